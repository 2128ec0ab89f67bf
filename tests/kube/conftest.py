"""Kubernetes tests run against the stand-in API server (tests/standins/kube): no real API server
can be installed here (see tests/standins/kube/README.md)."""

from tests.standins.kube.fixtures import *  # noqa: F403
