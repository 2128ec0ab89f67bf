"""Completion as a new user meets it: a blank file, the `$schema` line, the end of the document,
and insert texts that VS Code inserts as written (snippet syntax escaped)."""

import csv

import pytest
from lsprotocol import types as lsp

from aml_deploy.documents.rules.settings import SKU_FILE
from tests.snippets import expand

from .conftest import open_document, wait_for

DEPLOYMENT_SCHEMA = "https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json"
HEAD = f"$schema: {DEPLOYMENT_SCHEMA}\nname: blue\n"


async def complete(client, uri, line, character):
    result = await client.text_document_completion_async(
        lsp.CompletionParams(text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(line, character))
    )
    return result.items


def ordered(items):
    """The items in the order VS Code shows them (by sort text, then label)."""
    return sorted(items, key=lambda item: (item.sort_text or item.label, item.label))


def inserted(item) -> str:
    text = item.text_edit.new_text
    return expand(text) if item.insert_text_format == lsp.InsertTextFormat.Snippet else text


async def open_new(client, workspace, name, text):
    path = workspace / "sample" / name
    path.write_text(text)
    uri = open_document(client, path, text=text)
    await wait_for(lambda: uri in client.diagnostics, what="first check")
    return uri


@pytest.mark.parametrize("ending", ["\n", ""], ids=["final-newline", "no-final-newline"])
async def test_keys_at_the_end_of_the_document(client, workspace, ending):
    """After `name: blue` and Enter the keys come (not the new-file snippets, nor `name`'s values);
    without the newline, a key typed on the last line completes the same way."""
    text = HEAD + ("" if ending else "end")
    uri = await open_new(client, workspace, "new-deployment.yml", text)
    items = await complete(client, uri, 2, 0 if ending else 3)
    labels = [item.label for item in items]
    assert "endpoint_name" in labels and "instance_type" in labels, labels
    assert "name" not in labels and "Managed online deployment" not in labels
    edit = next(item for item in items if item.label == "endpoint_name").text_edit
    assert edit.range.start == lsp.Position(2, 0)


async def test_keys_on_the_empty_last_line_of_the_fixture(client, workspace):
    path = workspace / "sample" / "blue-deployment.yml"
    text = path.read_text()
    assert text.endswith("instance_count: 1\n")
    uri = open_document(client, path, text=text)
    await wait_for(lambda: uri in client.diagnostics, what="first check")
    labels = [item.label for item in await complete(client, uri, len(text.splitlines()), 0)]
    assert "request_settings" in labels and "liveness_probe" in labels
    assert "instance_count" not in labels


async def test_every_snippet_inserts_its_schema_line(client, workspace):
    uri = await open_new(client, workspace, "blank.yml", "")
    items = await complete(client, uri, 0, 0)
    snippets = [item for item in items if item.kind == lsp.CompletionItemKind.Snippet]
    assert {item.label for item in snippets} >= {"Managed online deployment", "Managed online endpoint", "Model"}
    for item in snippets:
        first = inserted(item).splitlines()[0]
        assert first.startswith("$schema: https://azuremlschemas.azureedge.net/latest/"), (item.label, first)
    deployment = next(item for item in snippets if item.label == "Managed online deployment")
    assert inserted(deployment).startswith(f"$schema: {DEPLOYMENT_SCHEMA}\nname: blue\n")


async def test_schema_lines_on_an_empty_file_and_after_typing_dollar_sch(client, workspace):
    uri = await open_new(client, workspace, "blank.yml", "$sch")
    items = await complete(client, uri, 0, 4)
    lines = [item for item in items if item.filter_text == "$schema"]
    assert lines, [item.label for item in items]
    assert all(item.text_edit.range.start == lsp.Position(0, 0) for item in lines)  # replaces the typed '$sch'
    first = ordered(lines)[0]
    assert inserted(first) == f"$schema: {DEPLOYMENT_SCHEMA}\n"
    assert first.label_details.description == "managed online deployment"
    kinds = {item.label_details.description for item in lines}
    assert {"managed online endpoint", "model", "environment"} <= kinds


async def test_schema_value_offers_the_kinds_urls(client, workspace):
    uri = await open_new(client, workspace, "blank.yml", "$schema: ")
    items = ordered(await complete(client, uri, 0, 9))
    assert items[0].label == DEPLOYMENT_SCHEMA and items[0].detail == "managed online deployment"
    assert any(item.label.endswith("/managedOnlineEndpoint.schema.json") for item in items)
    assert all(item.text_edit.new_text == item.label for item in items)


async def test_every_key_item_inserts_its_key(client, workspace):
    """The `$schema` key (offered in a deployment recognised by its content) and every other key
    item insert the key as written."""
    body = "name: blue\nendpoint_name: sample-endpoint\ninstance_type: Standard_DS3_v2\nmodel:\n  path: ./model\n"
    uri = await open_new(client, workspace, "content-deployment.yml", body + "\n")
    items = await complete(client, uri, 6, 0)
    keys = [item for item in items if item.kind == lsp.CompletionItemKind.Property]
    assert "$schema" in [item.label for item in keys]
    for item in keys:
        assert inserted(item).startswith(f"{item.label}:"), (item.label, item.text_edit.new_text)
    json_path = workspace / "v1" / "deploymentconfig.json"
    json_uri = open_document(client, json_path, language="json", text='{\n  "computeType": "aci",\n  "\n}')
    await wait_for(lambda: json_uri in client.diagnostics, what="publish")
    for item in await complete(client, json_uri, 2, 3):
        assert inserted(item).startswith(f'"{item.label}": '), item.label


async def test_no_schema_key_under_model_and_environment(client, workspace):
    text = HEAD + "model:\n  \nenvironment:\n  image: python:3.11-slim\n  \n"
    uri = await open_new(client, workspace, "nested.yml", text)
    for line in (3, 6):
        items = ordered(await complete(client, uri, line, 2))
        labels = [item.label for item in items]
        assert labels and "$schema" not in labels, labels
        assert labels[0] != "$schema"
    model = [item.label for item in await complete(client, uri, 3, 2)]
    assert "path" in model


async def test_instance_type_offers_every_managed_size(client, workspace):
    with open(SKU_FILE, encoding="utf-8") as handle:
        rows = [row for row in csv.reader((line for line in handle if not line.startswith("#")), delimiter="\t")][1:]
    uri = await open_new(client, workspace, "sizes.yml", HEAD + "instance_type: \n")
    labels = {item.label for item in await complete(client, uri, 2, 15)}
    assert labels == {row[1] for row in rows}


async def test_endpoint_name_offers_the_endpoints_beside_it(client, workspace):
    uri = await open_new(client, workspace, "joins.yml", HEAD + "endpoint_name: \n")
    items = await complete(client, uri, 2, 15)
    assert [(item.label, item.detail) for item in items] == [("sample-endpoint", "defined in endpoint.yml")]
