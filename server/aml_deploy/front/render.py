"""The front's HAProxy configuration, rendered from a `Front`: a pure function, no Docker.

What changes while the endpoint serves (keys, tokens, traffic and mirror shares) lives in map files
that the running HAProxy can change through its runtime API without a reload; everything else
(deployments, limits, TLS) is in haproxy.cfg and takes a graceful reload."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .spec import V2, Deployment, Front

CONFIG_DIR = "/etc/aml-front"
CONFIG_FILE = f"{CONFIG_DIR}/haproxy.cfg"
ADMIN_PORT = 9999  # the runtime API, on the container's own loopback only
READY_URI = "/aml-front/ready"  # answers 200 without auth when the front runs; reveals nothing
# HAProxy's buffer: 64 KiB costs no more CPU than the 16 KiB default; past 128 KiB every buffer is
# an mmap (measured: +40 us of system time per request). Only while mirroring is on is it 1 MiB, the
# largest request body a mirror copy can carry.
BUFSIZE = 64 * 1024
MIRROR_BUFSIZE = 1024 * 1024
SLOTS = 100  # traffic is drawn as rand(100) -> deployment, from a map of 100 slots
MIRROR_MAX_IN_FLIGHT = 64
MAP_FILES = ("keys.map", "tokens.map", "split.map", "mirror.map", "deployments.map")
DESCRIPTION_FILE = "front.json"  # the front without secrets, for status()
LUA = Path(__file__).with_name("front.lua")


@dataclass
class Rendered:
    maps: dict[str, dict[str, str]]  # map file -> its entries (key -> value)
    files: dict[str, bytes]  # every file of CONFIG_DIR, maps included

    def structural(self) -> dict[str, bytes]:
        """The files whose change needs a reload (not the maps, not the description)."""
        return {name: data for name, data in self.files.items() if name not in MAP_FILES and name != DESCRIPTION_FILE}


def render(front: Front, now: float | None = None) -> Rendered:
    front.check()
    maps = {
        "keys.map": _keys(front),
        "tokens.map": {t.value: str(t.expires) for t in front.credentials.valid_tokens(now)} if front.auth_mode == "aml_token" else {},
        "split.map": {str(slot): name for slot, name in split_slots(front.deployments, "weight").items()},
        "mirror.map": {str(slot): name for slot, name in split_slots(front.deployments, "mirror").items()},
        "deployments.map": {d.name: d.address for d in front.deployments},
    }
    files = {name: map_text(entries).encode() for name, entries in maps.items()}
    files["haproxy.cfg"] = haproxy_cfg(front).encode()
    files["front.lua"] = (
        LUA.read_text(encoding="utf-8")
        .replace("@MAX_IN_FLIGHT@", str(MIRROR_MAX_IN_FLIGHT))
        .replace("@TIMEOUT_MS@", str(max((d.limits.timeout_ms for d in front.deployments), default=5000)))
        .encode()
    )
    if front.tls is not None:
        files["tls.pem"] = front.tls.certificate.rstrip(b"\n") + b"\n" + front.tls.key.rstrip(b"\n") + b"\n"
    files[DESCRIPTION_FILE] = json.dumps(front.describe(), indent=1).encode()
    return Rendered(maps, files)


def _keys(front: Front) -> dict[str, str]:
    primary, secondary = front.credentials.primary_key, front.credentials.secondary_key
    if front.auth_mode != "key" or primary is None or secondary is None:  # Front.check() refuses key mode without both
        return {}
    return {primary: "primary", secondary: "secondary"}


def map_text(entries: dict[str, str]) -> str:
    return "".join(f"{key} {value}\n" for key, value in entries.items())


def parse_map(text: str) -> dict[str, str]:
    pairs = (line.split(" ", 1) for line in text.splitlines() if line.strip())
    return {pair[0]: pair[1] if len(pair) > 1 else "" for pair in pairs}


def split_slots(deployments: list[Deployment], share: str) -> dict[int, str]:
    """Slots 0..99 given to deployments by their `weight` or `mirror` percent. Shares that do not
    add up to 100 (the CLI accepts less) are scaled up for `weight`, as weights are; `mirror` copies
    exactly its percent."""
    shares = {d.name: getattr(d, share) for d in deployments if getattr(d, share) > 0}
    total = sum(shares.values())
    if not total:
        return {}
    if share == "weight" and total != SLOTS:
        exact = {name: value * SLOTS / total for name, value in shares.items()}
        shares = {name: int(value) for name, value in exact.items()}
        by_remainder = sorted(exact, key=lambda name: exact[name] - shares[name], reverse=True)
        for name in by_remainder[: SLOTS - sum(shares.values())]:
            shares[name] += 1
    slots, next_slot = {}, 0
    for name, count in shares.items():
        for slot in range(next_slot, next_slot + count):
            slots[slot] = name
        next_slot += count
    return slots


def backend_name(deployment: str) -> str:
    return f"deployment_{deployment}"


def haproxy_cfg(front: Front) -> str:
    sections = [_global(front), _defaults(front)]
    if any(not _is_ip(d.address) for d in front.deployments):
        sections.append(_resolvers())
    sections.append(_frontend(front))
    sections += [_backend(front, d) for d in front.deployments]
    return "\n".join(sections)


def _global(front: Front) -> str:
    longest = max((d.limits.timeout_ms for d in front.deployments), default=5000)
    mirroring = any(d.mirror > 0 for d in front.deployments)
    lines = [
        "global",
        f"    tune.bufsize {MIRROR_BUFSIZE if mirroring else BUFSIZE}",
        f"    lua-load {CONFIG_DIR}/front.lua",
        f"    hard-stop-after {longest + 60000}ms  # an old process, after a reload, finishes what it serves",
    ]
    if front.runtime_api:
        lines.append(f"    stats socket ipv4@127.0.0.1:{ADMIN_PORT} level admin")
    if front.access_log:
        lines.append("    log stdout format raw local0 info")
    return "\n".join(lines) + "\n"


def _defaults(front: Front) -> str:
    longest = max((d.limits.timeout_ms for d in front.deployments), default=5000)
    lines = [
        "defaults",
        "    mode http",
        "    option http-buffer-request  # the whole body is read first: mirror copies it",
        "    timeout connect 5s",
        f"    timeout client {longest + 60000}ms",
        f"    timeout server {longest}ms",
        "    timeout http-request 60s",
        "    timeout http-keep-alive 60s",
    ]
    if front.access_log:
        lines += ["    log global", "    option dontlognull"]
    return "\n".join(lines) + "\n"


def _resolvers() -> str:
    # Docker's embedded DNS (network aliases) or the cluster DNS: re-resolved every second, so a
    # deployment whose container is recreated (a new address) is found again.
    return "resolvers dns\n    parse-resolv-conf\n    hold valid 1s\n    hold obsolete 1s\n    timeout retry 1s\n"


def _frontend(front: Front) -> str:
    bind = f"    bind :{front.port_in_container}"
    if front.tls is not None:
        bind += f" ssl crt {CONFIG_DIR}/tls.pem"
    lines = ["frontend endpoint", bind, "    option idle-close-on-response", f"    monitor-uri {READY_URI}"]
    if front.access_log:
        lines.append('    log-format "%ci %HM %HP %ST deployment=%[var(txn.deployment)] %Ta ms"')
    lines += _auth_rules(front.auth_mode)
    lines += _routing_rules()
    return "\n".join(lines) + "\n"


def _auth_rules(mode: str) -> list[str]:
    if mode == "none":
        return []
    lines = [
        '    acl bearer req.fhdr(authorization) -m beg -i "bearer "',
        "    http-request set-var(txn.credential) req.fhdr(authorization),bytes(7) if bearer",
        "    " + reply(401, "Send the key or token as Authorization: Bearer <credential>.") + " unless bearer",
    ]
    if mode == "key":
        lines.append(
            "    "
            + reply(401, "The key is not valid for this endpoint.")
            + f" unless {{ var(txn.credential),map_str({CONFIG_DIR}/keys.map) -m found }}"
        )
    elif mode == "aml_token":
        lines += [
            "    http-request set-var(txn.now) date",
            f"    http-request set-var(txn.token_left) var(txn.credential),map_str_int({CONFIG_DIR}/tokens.map),sub(txn.now)",
            "    "
            + reply(401, "The token is not valid for this endpoint, or it has expired: get a new one.")
            + " unless { var(txn.token_left) -m int gt 0 }",
        ]
    if mode in ("key", "aml_token"):
        lines.append("    http-request del-header authorization  # the scoring container never sees the credential")
    return lines


def _routing_rules() -> list[str]:
    deployments = f"{CONFIG_DIR}/deployments.map"
    return [
        "    acl named req.fhdr(azureml-model-deployment) -m found",
        "    http-request set-var(txn.deployment) req.fhdr(azureml-model-deployment) if named",
        "    "
        + reply(404, "The endpoint has no deployment of the name given in azureml-model-deployment.")
        + f" if named !{{ var(txn.deployment),map_str({deployments}) -m found }}",
        f"    http-request set-var(txn.deployment) rand({SLOTS}),map_int({CONFIG_DIR}/split.map) if !named",
        "    "
        + reply(
            404,
            "No deployment has a positive traffic share; name one with the azureml-model-deployment header, or set the endpoint traffic.",
        )
        + " unless { var(txn.deployment) -m found }",
        "    # mirror_traffic: only requests that do not name a deployment are copied (as in Azure)",
        f"    http-request set-var(txn.mirror) rand({SLOTS}),map_int({CONFIG_DIR}/mirror.map) if !named",
        f"    http-request set-var(txn.mirror_address) var(txn.mirror),map_str({deployments}) if {{ var(txn.mirror) -m found }}",
        "    http-request lua.aml_mirror if { var(txn.mirror_address) -m found }",
        f"    use_backend {backend_name('%[var(txn.deployment)]')}",
    ]


def _backend(front: Front, deployment: Deployment) -> str:
    limits, name = deployment.limits, deployment.name
    limit = limits.in_flight_limit(front.api)
    server = f"    server {name} {deployment.address}"
    if not _is_ip(deployment.address):
        server += " resolvers dns init-addr libc,none"
    lines = [
        f"backend {backend_name(name)}",
        f"    timeout server {limits.timeout_ms}ms",
        "    " + error(503, f"The deployment {name} cannot be reached at {deployment.address}, or no request slot freed up in time."),
    ]
    if front.api == V2:
        header = f"hdr azureml-model-deployment {name}"
        lines += [
            "    "
            + reply(
                429,
                f"Too many pending requests: deployment {name} allows {limit} in flight "
                f"(2 x max_concurrent_requests_per_instance {limits.max_concurrent} x instance_count "
                f"{limits.instance_count}).",
                "hdr ms-azureml-model-error-reason too_many_pending_request " + header,
            )
            + f" if {{ be_conn gt {limit} }}",
            "    " + error(504, f"Request timeout: deployment {name} did not answer within request_timeout_ms {limits.timeout_ms}."),
            "    # a non-200 from the scoring container becomes 424, its status and body kept (as in Azure)",
            "    http-response set-header ms-azureml-model-error-statuscode %[status] unless { status 200 }",
            "    http-response set-header ms-azureml-model-error-reason model_error unless { status 200 }",
            "    http-response set-status 424 unless { status 200 }",
            "    http-after-response set-status 408 if { status 504 }",
            f"    http-after-response set-header azureml-model-deployment {name}",
            server,
        ]
    else:
        lines += [
            f"    timeout queue {limits.max_queue_wait_ms}ms",
            "    " + error(504, f"Scoring timeout: the service did not answer within scoringTimeoutMs {limits.timeout_ms}."),
            server + f" maxconn {limit}",
        ]
    return "\n".join(lines) + "\n"


def reply(status: int, message: str, headers: str = "") -> str:
    """An `http-request return` of a JSON message (single-quoted in HAProxy: no ' inside)."""
    assert "'" not in message
    text = f"http-request return status {status} content-type application/json string '{json.dumps({'message': message})}'"
    return f"{text} {headers}".rstrip()


def error(status: int, message: str) -> str:
    """The body HAProxy sends with an error it makes itself (timeout, no server)."""
    assert "'" not in message
    return f"http-error status {status} content-type application/json string '{json.dumps({'message': message})}'"


def _is_ip(address: str) -> bool:
    host = address.rsplit(":", 1)[0]
    parts = host.split(".")
    return host.startswith("[") or (len(parts) == 4 and all(p.isdigit() for p in parts))
