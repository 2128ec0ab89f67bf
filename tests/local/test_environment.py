"""The environment image: cached by content, rebuilt when the environment changes, built from the
conda file's pip section on an image without conda (with a warning for conda-only packages), and
the request built from the script's input_sample."""

from __future__ import annotations

import json
import uuid

import pytest

from aml_deploy.deploy.spec import from_config

pytestmark = pytest.mark.slow


def test_environment_change_rebuilds_and_keeps_the_port(local, workspace, docker_client):
    deployment = workspace / "sample" / "blue-deployment.yml"
    first = local.deploy(from_config(deployment, workspace=workspace, registry=local.registry), timeout=300)
    assert first.state == "Succeeded", first.log_excerpt
    conda = workspace / "sample" / "environment" / "conda.yaml"
    # A change no earlier run has built (the name), and a conda-only package the image cannot install.
    conda.write_text(
        conda.read_text().replace("name: sample-env", f"name: env-{uuid.uuid4().hex[:8]}").replace("  - pip\n", "  - pip\n  - numpy=1.26\n")
    )
    second = local.deploy(from_config(deployment, workspace=workspace, registry=local.registry), timeout=600)
    try:
        assert second.state == "Succeeded", second.log_excerpt
        assert second.rebuilt and not second.restarted_in_place
        assert second.image != first.image and second.port == first.port
        assert any("numpy=1.26" in warning and "no conda" in warning for warning in second.warnings)
        third = local.deploy(from_config(deployment, workspace=workspace, registry=local.registry), timeout=300)
        assert not third.rebuilt and third.restarted_in_place  # unchanged: never rebuilt
    finally:
        local.delete_deployment(second.endpoint, second.deployment)
        docker_client.images.remove(second.image, force=True)


def test_request_built_from_input_sample(local, workspace, endpoint_name):
    script = workspace / "sample" / "src" / "score.py"
    script.write_text(
        script.read_text().replace(
            'def run(raw_data):\n    data = numpy.array(json.loads(raw_data)["data"], dtype=float)\n',
            "from inference_schema.schema_decorators import input_schema\n"
            "from inference_schema.parameter_types.numpy_parameter_type import NumpyParameterType\n\n\n"
            '@input_schema("data", NumpyParameterType(numpy.array([[2.0, 2.0]])))\n'
            "def run(data):\n",
        )
    )
    state = local.deploy(
        from_config(workspace / "sample" / "blue-deployment.yml", workspace=workspace, registry=local.registry), timeout=300
    )
    assert state.state == "Succeeded", state.log_excerpt
    answer = local.invoke(endpoint_name, None, None)
    status, body = answer.status, answer.body
    assert status == 200 and json.loads(body) == [11.0]  # 2*2 + 3*2 + 1 from the sample itself
