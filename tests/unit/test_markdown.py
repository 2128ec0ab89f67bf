"""Schema descriptions and what users write reach hover and completion as Markdown: each must
render as written."""

import json

import pytest

from aml_deploy.documents.markdown import code, escape
from aml_deploy.documents.schemas import SCHEMA_DIR
from tests.markdown_text import rendered


def descriptions():
    for path in sorted(SCHEMA_DIR.glob("*.schema.json")):
        stack = [json.loads(path.read_text())]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                if isinstance(node.get("description"), str):
                    yield path.name, node["description"]
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)


def test_every_schema_description_renders_as_written():
    found = list(descriptions())
    assert len(found) > 100
    wrong = [(name, text, rendered(escape(text))) for name, text in found if rendered(escape(text)) != " ".join(text.split())]
    assert not wrong, wrong[:5]


@pytest.mark.parametrize(
    "text",
    [
        "azureml:<name>:<version>",
        "1. not a list",
        "- not a list either",
        "# not a heading",
        "*not emphasis*",
        "_nor this_",
        "a [link](x) & &amp;",
        "back\\slash `tick`",
        "snake_case_name stays",
        "===",
    ],
)
def test_plain_text_renders_as_written(text):
    assert rendered(escape(text)) == text


def test_code_spans_hold_any_backticks():
    for text in ["a`b", "`x`", "plain"]:
        assert rendered(code(text)) == text
