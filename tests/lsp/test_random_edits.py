"""Property: after any sequence of incremental edits, the server's diagnostics are exactly
what the validator computes for the resulting text, and the server keeps answering."""

import itertools
import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lsprotocol import types as lsp
from pygls.workspace.position_codec import PositionCodec

from aml_deploy.documents import Context, Files, validate_text
from aml_deploy.lsp import convert
from tests.support import FIXTURES

BASES = [p.read_text() for p in sorted(FIXTURES.rglob("*.yml")) + sorted(FIXTURES.rglob("*.json"))]
FRAGMENTS = st.sampled_from(
    ["", " ", "\n", "\r\n", ":", ": ", "- ", "  ", "[", "]", "{", "}", '"', "'", "#", "&a ", "*a", "\t", "😀", "é",
     "name", "auth_mode", "Key", "instance_type", "model:\n  path: ./m\n", "{{X}}", "azureml:", "1", "true", "<P>",
     "$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json\n"]
)
TEXT = st.lists(FRAGMENTS, max_size=4).map("".join)
counter = itertools.count()


def lines_of(text: str) -> list[str]:
    return text.splitlines(True) or [""]


def position(text: str, offset: int) -> lsp.Position:
    """LSP position (UTF-16) of a code-point offset; lines end at \\r\\n, \\n or \\r."""
    line_start, line = 0, 0
    index = 0
    while index < offset:
        char = text[index]
        if char == "\r" and index + 1 < len(text) and text[index + 1] == "\n":
            if index + 1 >= offset:
                break
            index += 1
        if char in "\r\n":
            line += 1
            line_start = index + 1
        index += 1
    column = text[line_start:offset]
    return lsp.Position(line=line, character=len(column.encode("utf-16-le")) // 2)


@st.composite
def edits(draw, base: str):
    text = base
    steps = []
    for _ in range(draw(st.integers(1, 6))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 40)))
        # never split a \r\n pair: editors don't, and LSP positions cannot address the middle
        if 0 < start < len(text) and text[start - 1] == "\r" and text[start] == "\n":
            start -= 1
        if 0 < end < len(text) and text[end - 1] == "\r" and text[end] == "\n":
            end += 1
        end = max(start, end)
        new = draw(TEXT)
        steps.append((position(text, start), position(text, end), new))
        text = text[:start] + new + text[end:]
    return steps, text


@settings(max_examples=int(os.environ.get("AML_DEPLOY_FUZZ_EXAMPLES", "100")), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
async def test_random_edits_keep_the_server_right(client, workspace, data):
    base = data.draw(st.sampled_from(BASES))
    steps, final = data.draw(edits(base))
    path = workspace / "sample" / f"random-{next(counter)}.yml"
    uri = path.as_uri()
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(text_document=lsp.TextDocumentItem(uri=uri, language_id="yaml", version=1, text=base))
    )
    for version, (start, end, new) in enumerate(steps, start=2):
        client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[lsp.TextDocumentContentChangePartial(range=lsp.Range(start=start, end=end), text=new)],
            )
        )
    # A request after the edits: its answer comes after every publish the edits caused.
    await client.text_document_hover_async(lsp.HoverParams(text_document=lsp.TextDocumentIdentifier(uri=uri),
                                                            position=lsp.Position(0, 0)))
    await client.text_document_completion_async(lsp.CompletionParams(text_document=lsp.TextDocumentIdentifier(uri=uri),
                                                                     position=lsp.Position(0, 0)))
    expected = _expected(path, final, workspace)
    actual = [(d.code, d.range, d.message) for d in client.diagnostics.get(uri, [])]
    assert actual == expected
    client.text_document_did_close(lsp.DidCloseTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri=uri)))


def _expected(path: Path, text: str, workspace: Path):
    overlay = {str(path): text}
    ctx = Context(path, workspace, Files(overlay=overlay.get))
    result = validate_text(path, text, ctx)
    codec = PositionCodec()
    lines = lines_of(text)
    return [(f.code, convert.to_range(f.span, lines, codec), f.message) for f in result.findings]
