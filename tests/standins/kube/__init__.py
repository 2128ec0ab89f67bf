"""A stand-in Kubernetes API server for tests (no real one can be installed here): HTTPS with a test
CA and a bearer token, strict OpenAPI validation, server-side apply, and a node that runs the pods
as Docker containers. See standin.py for the entry point and README.md for what it simplifies."""

from .standin import KubeStandin

__all__ = ["KubeStandin"]
