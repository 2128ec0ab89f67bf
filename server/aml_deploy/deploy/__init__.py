"""Deploying a scoring script: the deployment specification read once from v1 or v2 files, and the
targets that run it (the local Docker engine today)."""
