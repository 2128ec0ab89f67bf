from aml_deploy.cli import main

raise SystemExit(main())
