"""The endpoint front: what Azure ML puts in front of every online endpoint (the managed endpoint's
front end, azureml-fe on AKS), rebuilt on HAProxy so that local endpoints, ACI and Kubernetes
answer as Azure does: key and token auth (401), the `traffic` split and the
`azureml-model-deployment` header (404 when nothing can serve), `mirror_traffic`, and the request
limits (v2: 408, 429, 424; v1 azureml-fe: 504, 503 after `maxQueueWaitMs`).

Why HAProxy (2.6, the official image or Debian's package), not nginx (1.22):
- v1's 503 is "a request that waited `maxQueueWaitMs` for one of the container's slots". HAProxy has
  exactly that: a server `maxconn` with a queue and `timeout queue`. Open-source nginx has no
  upstream queue (`limit_conn` rejects at once; `queue` is nginx Plus only), so it cannot do it.
- Keys, tokens and traffic change with no reload at all: they live in map files that the runtime
  API edits in place (`add/set/del map`), so not one request is dropped and the old key stops
  working the moment the command returns. nginx can only change them by reloading, and a reload
  leaves old workers serving idle keep-alive connections with the old keys for a while.
- 429 counts requests in flight per deployment (`be_conn`) and the split is `rand(100)` looked up
  in a map, both decided before the request leaves, so the 429 and the served deployment's
  response header are exact; weighted servers, `use-server` and `split_clients` could not both
  follow the split and count per deployment.
- Timeouts and rewritten statuses are configuration: `timeout server` (+ `http-after-response
  set-status 408` for v2), `http-response set-status 424` keeping the container's body,
  `http-error` bodies.
- The one thing nginx has built in, `mirror`, takes twenty lines of Lua in HAProxy (`core.httpclient`,
  2.5+), run as a background task so the caller never waits for the shadow deployment.

API: describe the front with `Front` (spec.py); `render()` gives its files (pure, no Docker);
`ensure_image`, `start`, `update`, `status`, `remove` run it on the local engine;
`connect_deployment` joins a deployment's container to the endpoint's network. Credentials live in a
`KeyStore` (0600 JSON). ACI and Kubernetes run the same image with `COMMAND` and the rendered files
(as a mounted secret), with `runtime_api=False` where other containers share the front's localhost.
"""

from .container import COMMAND, ENTRYPOINT, FrontState, UpdateResult, container_name, remove, start, status, update
from .credentials import Credentials, KeyStore, Token, new_key
from .errors import FrontError
from .image import DEFAULT_IMAGE, FALLBACK_BASE, FrontImage, ensure_image
from .network import connect_deployment, disconnect_deployment, ensure_network, network_name, remove_network
from .render import CONFIG_DIR, READY_URI, Rendered, render
from .spec import V1, V2, Deployment, Front, Limits, Tls, normalize_auth_mode, v1_auth_mode

__all__ = [
    "COMMAND", "CONFIG_DIR", "Credentials", "DEFAULT_IMAGE", "Deployment", "ENTRYPOINT", "FALLBACK_BASE", "Front",
    "FrontError", "FrontImage", "FrontState", "KeyStore", "Limits", "READY_URI", "Rendered", "Tls", "Token",
    "UpdateResult", "V1", "V2", "connect_deployment", "container_name", "disconnect_deployment", "ensure_image",
    "ensure_network", "network_name", "new_key", "normalize_auth_mode", "remove", "remove_network", "render",
    "start", "status", "update", "v1_auth_mode",
]
