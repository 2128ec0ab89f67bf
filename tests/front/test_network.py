"""The block endpoint networks are cut from: a bad AML_DEPLOY_FRONT_SUBNETS is a clear error when a network is
needed, not a traceback when the package is imported."""

import ipaddress

import pytest

from aml_deploy.front import FrontError
from aml_deploy.front.network import SUBNET_PREFIX, subnet_block


def test_default_block(monkeypatch):
    monkeypatch.delenv("AML_DEPLOY_FRONT_SUBNETS", raising=False)
    assert subnet_block() == ipaddress.IPv4Network("172.31.240.0/20")


def test_block_from_the_environment(monkeypatch):
    monkeypatch.setenv("AML_DEPLOY_FRONT_SUBNETS", "10.99.0.0/24")
    assert subnet_block() == ipaddress.IPv4Network("10.99.0.0/24")


@pytest.mark.parametrize(
    "value, says",
    [
        ("not-a-network", "is not a network block"),
        ("10.99.0.1/24", "has host bits set"),
        ("fd00::/64", "must be an IPv4 block"),
        (f"10.99.0.0/{SUBNET_PREFIX + 1}", f"/{SUBNET_PREFIX} or larger"),
    ],
)
def test_a_bad_block_is_refused_with_the_reason(monkeypatch, value, says):
    monkeypatch.setenv("AML_DEPLOY_FRONT_SUBNETS", value)
    with pytest.raises(FrontError, match="AML_DEPLOY_FRONT_SUBNETS") as raised:
        subnet_block()
    assert says in str(raised.value)
