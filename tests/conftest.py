import pytest

from tests.support import FIXTURES

# The Azure stand-ins (AAD, ARM with Container Instances on Docker, registries, ACR) for any test to use.
pytest_plugins = ["tests.standins.fixtures"]


@pytest.fixture
def fixtures():
    return FIXTURES
