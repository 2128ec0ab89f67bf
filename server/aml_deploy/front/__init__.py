"""The endpoint front: what Azure ML puts in front of every online endpoint (the managed endpoint's
front end, azureml-fe on AKS), rebuilt on HAProxy so that local endpoints, ACI and Kubernetes
answer as Azure does: key and token auth (401), the `traffic` split and the
`azureml-model-deployment` header (404 when nothing can serve), `mirror_traffic`, and the request
limits (v2: 408, 429, 424; v1 azureml-fe: 504, 503 after `maxQueueWaitMs`).

Why HAProxy (2.6: the official image, or Debian's package) and not nginx (1.22), checked on both here
(docs/front.md has the details):
- v1's 503 is "a request that waited `maxQueueWaitMs` for one of the container's slots". HAProxy has
  exactly that: a server `maxconn` with a queue and `timeout queue`. nginx 1.22 answers
  `unknown directive "queue"`: the upstream queue is nginx Plus only, so azureml-fe's behaviour
  cannot be reproduced with open-source nginx.
- Keys, tokens and traffic change with no reload at all: they live in map files that HAProxy's
  runtime API edits in place (`add/set/del map`), so not one request is dropped and the old key stops
  working the moment the change returns. Open-source nginx has no runtime API (nginx Plus only);
  every change would be a reload.
- 429 counts requests in flight per deployment (`be_conn`) after the split (`rand(100)` looked up in
  a map) has chosen it; statuses are rewritten as Azure does in configuration (`timeout server` +
  `http-after-response set-status 408`, `http-response set-status 424` keeping the model's body).
- nginx's one advantage, a built-in `mirror`, takes twenty lines of Lua in HAProxy (`core.httpclient`,
  2.5+), run as a background task so that the caller never waits for the shadow deployment.

API: describe the front with `Front` (spec.py); `render()` gives its files (pure, no Docker);
`ensure_image`, `start`, `update`, `status`, `remove` run it on the local engine;
`connect_deployment` joins a deployment's container to the endpoint's network. Credentials live in a
`KeyStore` (0600 JSON). ACI and Kubernetes run the same image with `COMMAND` and the rendered files
(as a mounted secret), with `runtime_api=False` where other containers share the front's localhost.
"""

from .container import COMMAND, ENTRYPOINT, FrontState, UpdateResult, container_name, remove, start, status, update
from .credentials import Credentials, KeyStore, Token, new_key, valid_key
from .errors import FrontError
from .image import DEFAULT_IMAGE, FALLBACK_BASE, FrontImage, ensure_image
from .network import connect_deployment, disconnect_deployment, ensure_network, network_name, remove_network
from .render import CONFIG_DIR, READY_URI, Rendered, render
from .spec import V1, V2, Deployment, Front, Limits, Tls, normalize_auth_mode, shares, v1_auth_mode

__all__ = [
    "COMMAND",
    "CONFIG_DIR",
    "Credentials",
    "DEFAULT_IMAGE",
    "Deployment",
    "ENTRYPOINT",
    "FALLBACK_BASE",
    "Front",
    "FrontError",
    "FrontImage",
    "FrontState",
    "KeyStore",
    "Limits",
    "READY_URI",
    "Rendered",
    "Tls",
    "Token",
    "UpdateResult",
    "V1",
    "V2",
    "connect_deployment",
    "container_name",
    "disconnect_deployment",
    "ensure_image",
    "ensure_network",
    "network_name",
    "new_key",
    "normalize_auth_mode",
    "remove",
    "remove_network",
    "render",
    "shares",
    "start",
    "status",
    "update",
    "v1_auth_mode",
    "valid_key",
]
