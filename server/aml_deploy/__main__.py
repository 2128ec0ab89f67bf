from aml_deploy.cli import main

if __name__ == "__main__":  # not when a worker process (the large-script linter) imports it
    raise SystemExit(main())
