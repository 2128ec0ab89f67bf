"""The local Docker target: environment images, containers with the Azure layout, readiness."""
