import pytest

from tests.support import FIXTURES


@pytest.fixture
def fixtures():
    return FIXTURES
