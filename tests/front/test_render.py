"""The front's configuration, rendered without Docker: what Azure refuses is refused, the split and
the mirror share are exact, secrets are only in the key and token maps, and a change of keys or
traffic is a handful of runtime commands, additions before removals."""

import json

import pytest

from aml_deploy.front import Credentials, Deployment, Front, FrontError, Limits, Tls, Token, render
from aml_deploy.front.render import split_slots
from aml_deploy.front.runtime import map_commands
from aml_deploy.front.spec import normalize_auth_mode, v1_auth_mode

KEYS = Credentials("P" * 32, "S" * 32)


def front(*deployments, **options) -> Front:
    return Front("ep", list(deployments), credentials=options.pop("credentials", KEYS), **options)


def test_keys_are_in_the_key_map_only():
    rendered = render(front(Deployment("blue", "blue:5001", 100)))
    holding = [name for name, data in rendered.files.items() if b"P" * 32 in data or b"S" * 32 in data]
    assert holding == ["keys.map"]
    assert rendered.maps["keys.map"] == {"P" * 32: "primary", "S" * 32: "secondary"}
    assert "P" * 32 not in repr(front(Deployment("blue", "blue:5001", 100)))


@pytest.mark.parametrize(
    "weights, expected",
    [
        ((70, 30), {"blue": 70, "green": 30}),
        ((45, 45), {"blue": 50, "green": 50}),  # the CLI accepts less than 100: shares scale up
        ((33, 33, 33), {"blue": 34, "green": 33, "red": 33}),
        ((0, 0), {}),
    ],
)
def test_traffic_becomes_100_slots_in_proportion(weights, expected):
    deployments = [Deployment(n, f"{n}:5001", w) for n, w in zip(("blue", "green", "red"), weights)]
    slots = split_slots(deployments, "weight")
    assert sorted(slots) == list(range(len(slots)))
    assert {n: list(slots.values()).count(n) for n in set(slots.values())} == expected


def test_mirror_copies_exactly_its_percent():
    rendered = render(front(Deployment("blue", "blue:5001", 100), Deployment("green", "green:5001", 0, mirror=10)))
    assert sorted(rendered.maps["mirror.map"].values()) == ["green"] * 10


@pytest.mark.parametrize(
    "deployments, options, message",
    [
        ([Deployment("blue", "b:1", 80), Deployment("green", "g:1", 40)], {}, "adds up to 120%"),
        ([Deployment("blue", "b:1", 100), Deployment("g1", "g:1", 0, 10), Deployment("g2", "g:2", 0, 10)], {}, "one deployment only"),
        ([Deployment("blue", "b:1", 100), Deployment("green", "g:1", 0, 60)], {}, "at most 50%"),
        ([Deployment("blue", "b:1", 50, 10), Deployment("green", "g:1", 50)], {}, "live traffic and mirror traffic"),
        ([Deployment("blue", "blue", 100)], {}, "is not host:port"),
        ([Deployment("1blue", "b:1", 100)], {}, "starts with a letter"),
        ([Deployment("blue", "b:1", 50), Deployment("blue", "b:2", 50)], {}, "listed twice"),
        ([Deployment("blue", "b:1", 100, limits=Limits(timeout_ms=200000))], {}, "above Azure's maximum 180000"),
        ([Deployment("blue", "b:1", 100, limits=Limits(max_concurrent=0))], {}, "max_concurrent must be a positive"),
        ([Deployment("blue", "b:1", 100)], {"credentials": Credentials()}, "needs a primary and a secondary key"),
        ([Deployment("blue", "b:1", 100)], {"auth_mode": "basic"}, "auth_mode 'basic'"),
        ([Deployment("a", "a:1", 50), Deployment("b", "b:1", 50)], {"api": "v1"}, "single deployment"),
    ],
)
def test_what_azure_refuses_is_refused_with_the_reason(deployments, options, message):
    with pytest.raises(FrontError, match=message):
        render(front(*deployments, **options))


def test_only_valid_tokens_are_rendered():
    credentials = Credentials(tokens=[Token("old", 1000), Token("new", 5000)])
    rendered = render(front(Deployment("blue", "b:1", 100), auth_mode="aml_token", credentials=credentials), now=2000)
    assert rendered.maps["tokens.map"] == {"new": "5000"} and rendered.maps["keys.map"] == {}


def test_limits_become_the_proxy_limits():
    v2 = render(front(Deployment("blue", "b:1", 100, limits=Limits(timeout_ms=3000, max_concurrent=4, instance_count=3))))
    cfg = v2.files["haproxy.cfg"].decode()
    assert "be_conn gt 24" in cfg and "timeout server 3000ms" in cfg and "set-status 408" in cfg
    v1 = render(
        front(
            Deployment(
                "svc",
                "b:1",
                100,
                limits=Limits.from_v1(
                    {"scoringTimeoutMs": 7000, "maxConcurrentRequestsPerContainer": 2, "numReplicas": 3, "maxQueueWaitMs": 900}
                ),
            ),
            api="v1",
        )
    )
    cfg = v1.files["haproxy.cfg"].decode()
    assert "maxconn 6" in cfg and "timeout queue 900ms" in cfg and "timeout server 7000ms" in cfg
    assert "set-status 424" not in cfg and "set-status 408" not in cfg


def test_tls_puts_certificate_and_key_together():
    rendered = render(front(Deployment("blue", "b:1", 100), tls=Tls(b"CERT\n", b"KEY\n")))
    assert rendered.files["tls.pem"] == b"CERT\nKEY\n"
    assert "bind :8443 ssl crt /etc/aml-front/tls.pem" in rendered.files["haproxy.cfg"].decode()
    assert json.loads(rendered.files["front.json"])["tls"] is True


def test_a_key_change_adds_the_new_key_before_removing_the_old_one():
    before = render(front(Deployment("blue", "b:1", 70), Deployment("green", "g:1", 30))).maps
    after = render(front(Deployment("blue", "b:1", 60), Deployment("green", "g:1", 40), credentials=Credentials("N" * 32, "S" * 32))).maps
    commands = map_commands(before, after)
    add = commands.index(f"add map /etc/aml-front/keys.map {'N' * 32} primary")
    remove = commands.index(f"del map /etc/aml-front/keys.map {'P' * 32}")
    assert add < remove and not any("S" * 32 in c for c in commands)
    assert [c for c in commands if "split.map" in c] == [f"set map /etc/aml-front/split.map {i} green" for i in range(60, 70)]
    assert map_commands(after, after) == []


def test_azure_spellings_of_auth():
    assert [normalize_auth_mode(v) for v in ("Key", "AMLToken", "aml_token", "AADToken", None)] == [
        "key",
        "aml_token",
        "aml_token",
        "aad_token",
        "key",
    ]
    assert v1_auth_mode({"computeType": "aks"}) == "key"
    assert v1_auth_mode({"computeType": "aci"}) == "none"
    assert v1_auth_mode({"computeType": "aks", "tokenAuthEnabled": True, "authEnabled": False}) == "aml_token"


def test_with_traffic_sets_shares_and_refuses_unknown_names():
    base = front(Deployment("blue", "b:1", 100), Deployment("green", "g:1"))
    changed = base.with_traffic({"blue": 90, "green": 10})
    assert [(d.name, d.weight) for d in changed.deployments] == [("blue", 90), ("green", 10)]
    with pytest.raises(FrontError, match="no deployment red"):
        base.with_traffic({"red": 100})
