"""Every server command answers arguments it cannot use (missing, of the wrong type, too many) with
{"error", "code"} naming what is wrong, as it answers every other error; never a JSON-RPC error the
extension cannot branch on, and the server keeps answering."""

from __future__ import annotations

import pytest
from lsprotocol import types as lsp

COMMANDS = [
    "amlDeploy.server.followLogs",
    "amlDeploy.server.profile",
    "amlDeploy.server.recommendationEdit",
    "amlDeploy.server.showPublished",
    "amlDeploy.server.publish",
    "amlDeploy.server.regeneratePublishedKey",
    "amlDeploy.server.deploy",
    "amlDeploy.server.invoke",
    "amlDeploy.server.setTraffic",
    "amlDeploy.server.getCredentials",
    "amlDeploy.server.registerModel",
    "amlDeploy.server.deleteModel",
    "amlDeploy.server.deploymentsUsing",
]


async def _call(client, name, arguments):
    return await client.workspace_execute_command_async(lsp.ExecuteCommandParams(command=name, arguments=arguments))


@pytest.mark.parametrize("arguments", [[], [None], [5], ["text"], [{}, {}]], ids=["none", "null", "number", "text", "too-many"])
async def test_arguments_a_command_cannot_use_are_an_error_with_a_code(client, arguments):
    for name in COMMANDS:
        answer = await _call(client, name, arguments)
        assert isinstance(answer, dict) and answer.get("code") == "invalid-arguments", (name, answer)
        assert name in answer["error"]
    assert "models" in await _call(client, "amlDeploy.server.listModels", [])


@pytest.mark.parametrize("arguments", [[{}], [{"endpoint": ["not", "a", "name"], "config": 5, "name": {}}]], ids=["empty", "wrong-types"])
async def test_an_object_with_missing_or_wrong_fields_is_an_error_with_a_code(client, arguments):
    for name in COMMANDS:  # a command whose fields are all optional says what it needs in its own words
        answer = await _call(client, name, arguments)
        assert isinstance(answer, dict) and set(answer) == {"error", "code"}, (name, answer)


async def test_the_message_says_which_argument(client):
    answer = await _call(client, "amlDeploy.server.setTraffic", [{"traffic": {"blue": 100}}])
    assert answer["code"] == "invalid-arguments" and "endpoint" in answer["error"]
    answer = await _call(client, "amlDeploy.server.listModels", [{"unexpected": True}])
    assert answer["code"] == "invalid-arguments" and "takes no arguments" in answer["error"]


async def test_traffic_that_is_not_percentages_is_an_error_with_a_code(client):
    for traffic in ({"blue": "abc"}, {"blue": -5}, {"blue": 1.5}, {"blue": None}):
        answer = await _call(client, "amlDeploy.server.setTraffic", [{"endpoint": "nowhere", "traffic": traffic}])
        assert answer.get("code") == "front" and "not a percentage from 0 to 100" in answer["error"], answer
