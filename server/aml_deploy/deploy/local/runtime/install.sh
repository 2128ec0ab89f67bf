#!/bin/sh
# Installs the environment into the image (runs during `docker build`, as root).
# With conda in the image: `conda env create` from the conda file. Without: a virtual environment
# from the image's Python, with the conda file's pip section. Either way the inference server and
# debugpy are added. Either way the environment is /opt/aml-deploy/env (run its bin/python itself:
# a symbolic link to it outside the environment would not find the environment's packages).
set -eu
cd /tmp/aml-deploy-build
warn() { echo "aml-deploy: warning: $*"; }

if [ -f ca.pem ]; then  # networks that inspect TLS: trust the extra CA bundle while installing
  export PIP_CERT="$PWD/ca.pem" REQUESTS_CA_BUNDLE="$PWD/ca.pem" SSL_CERT_FILE="$PWD/ca.pem" CONDA_SSL_VERIFY="$PWD/ca.pem"
fi
mkdir -p /opt/aml-deploy

if [ -f conda.yml ] && command -v conda >/dev/null 2>&1; then
  echo "aml-deploy: creating the conda environment from the conda file"
  conda env create -p /opt/aml-deploy/env -f conda.yml
  PY=/opt/aml-deploy/env/bin/python
  REQUIREMENTS=extras.txt
else
  PY=$(command -v python3 || command -v python || true)
  if [ -z "$PY" ]; then
    echo "aml-deploy: the image has neither conda nor Python 3; choose an image with Python 3.8 or newer" >&2
    exit 20
  fi
  if [ -s conda-only.txt ]; then
    warn "the image has no conda, so these conda packages are not installed: $(tr '\n' ' ' < conda-only.txt)- move them to the conda file's pip section"
  fi
  wanted=$(tr -d '\n ' < python-version.txt)
  have=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  case "$wanted" in
    ""|"$have"|"$have".*) ;;
    *) warn "the conda file asks for python $wanted; the image has $have, which is used" ;;
  esac
  echo "aml-deploy: creating a virtual environment with $PY ($have)"
  if ! "$PY" -m venv /opt/aml-deploy/env; then
    echo "aml-deploy: $PY cannot create a virtual environment (Debian-based images need the python3-venv package)" >&2
    exit 21
  fi
  PY=/opt/aml-deploy/env/bin/python
  REQUIREMENTS=requirements.txt
fi

if [ -s "$REQUIREMENTS" ]; then
  echo "aml-deploy: installing $(tr '\n' ' ' < "$REQUIREMENTS")"
  "$PY" -m pip install --no-cache-dir --disable-pip-version-check -r "$REQUIREMENTS"
fi
"$PY" -c "import azureml_inference_server_http, debugpy" || {
  echo "aml-deploy: the environment cannot import the inference server or debugpy" >&2; exit 22; }
