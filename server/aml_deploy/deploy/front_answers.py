"""What the statuses an endpoint's front answers mean, and which setting to change: the same words
for the CLI's invoke and the editor's Test Endpoint, for every target."""

from __future__ import annotations


def explain_status(status: int, headers: dict[str, str], endpoint: str, deployment: str) -> str | None:
    """None for a success (and for statuses the scoring script chose itself)."""
    where = f"{endpoint}/{deployment}" if deployment else endpoint
    if status == 401:
        return (
            "401: the endpoint wants 'Authorization: Bearer <key or token>' and got none or a wrong one. "
            f"See the keys with: aml-deploy online-endpoint get-credentials -n {endpoint}"
        )
    if status == 404:
        return (
            "404: no deployment could take the request: none has a traffic share and the request named none "
            "(azureml-model-deployment header), or it named one that does not exist. Set traffic with "
            f'aml-deploy online-endpoint update -n {endpoint} --traffic "<deployment>=100".'
        )
    if status == 408:
        return (
            f"408: {where} did not answer within request_timeout_ms (request_settings of the deployment). "
            "Make run() faster, or raise request_timeout_ms (Azure allows up to 180000)."
        )
    if status == 424:
        code = headers.get("ms-azureml-model-error-statuscode", "?")
        reason = headers.get("ms-azureml-model-error-reason", "")
        return (
            f"424: the scoring script of {where} answered {code}{f' ({reason})' if reason else ''}; Azure "
            "passes that on as 424. Look at run() and the deployment's log."
        )
    if status == 429:
        return (
            f"429: more requests were in flight to {where} than it takes (2 x max_concurrent_requests_per_instance "
            "x instance_count). Send fewer at once, or raise max_concurrent_requests_per_instance or "
            "instance_count."
        )
    if status == 503:
        return (
            f"503: the request waited maxQueueWaitMs for one of {where}'s maxConcurrentRequestsPerContainer slots "
            "(v1). Raise maxConcurrentRequestsPerContainer, maxQueueWaitMs or the replicas."
        )
    if status == 504:
        return f"504: {where} did not answer within scoringTimeoutMs (v1 deployment config). Make run() faster or raise scoringTimeoutMs."
    return None
