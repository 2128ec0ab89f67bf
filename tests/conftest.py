import pytest

from tests.support import FIXTURES

# The Azure stand-ins (AAD, ARM with Container Instances on Docker, registries, ACR) for any test to use.
pytest_plugins = ["tests.standins.fixtures"]
# Images that publishing tests make: publish images and their copies named after the tests' own registries
# (127.0.0.1:<port>, gone with the session). The references a session added are removed when it ends.
_SESSION_IMAGES = ("aml-deploy-publish", "aml-deploy-front-publish", "127.0.0.1:")
_before: set[str] | None = None


@pytest.fixture
def fixtures():
    return FIXTURES


def pytest_sessionstart(session):
    global _before
    _before = _image_references()


def pytest_sessionfinish(session, exitstatus):
    """Remove the publish images this session made (a day of runs left hundreds); those that were there
    before it, a user's own included, are kept."""
    if _before is None:
        return
    import docker

    added = (_image_references() or set()) - _before
    if not added:
        return
    client = docker.from_env(timeout=60)
    for reference in sorted(added, key=lambda r: "@" not in r):  # digests first, then tags
        try:
            client.images.remove(reference)
        except docker.errors.APIError:
            pass  # used by a container a test left behind: that test's own leak check says so
    client.close()


def _image_references() -> set[str] | None:
    """Tags and repository digests of the session's kinds of images; None without a running engine."""
    import docker
    import requests

    try:
        client = docker.from_env(timeout=30)
        images = client.images.list()
        client.close()
    except (docker.errors.DockerException, requests.exceptions.RequestException):
        return None
    references = {r for image in images for r in [*image.tags, *(image.attrs.get("RepoDigests") or [])]}
    return {r for r in references if r.startswith(_SESSION_IMAGES)}
