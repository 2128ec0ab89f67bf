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
    [
        "",
        " ",
        "\n",
        "\r\n",
        ":",
        ": ",
        "- ",
        "  ",
        "[",
        "]",
        "{",
        "}",
        '"',
        "'",
        "#",
        "&a ",
        "*a",
        "\t",
        "😀",
        "é",
        "name",
        "auth_mode",
        "Key",
        "instance_type",
        "model:\n  path: ./m\n",
        "{{X}}",
        "azureml:",
        "1",
        "true",
        "<P>",
        "$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json\n",
    ]
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


@settings(
    max_examples=int(os.environ.get("AML_DEPLOY_FUZZ_EXAMPLES", "100")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
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
    await client.text_document_hover_async(lsp.HoverParams(text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(0, 0)))
    await client.text_document_completion_async(
        lsp.CompletionParams(text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(0, 0))
    )
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


SCRIPTS = [p.read_text() for p in sorted(FIXTURES.rglob("*.py"))]
SCRIPT_FRAGMENTS = st.sampled_from(
    [
        "",
        " ",
        "\n",
        "\r\n",
        "    ",
        "\t",
        ":",
        "(",
        ")",
        "[",
        "]",
        "'",
        '"',
        "#",
        "\\",
        "😀",
        "é",
        "def ",
        "init",
        "run",
        "global model\n",
        "model = 1\n",
        "return ",
        "try:\n    pass\nexcept Exception as e:\n    return str(e)\n",
        "import joblib\n",
        "from sklearn.externals import joblib\n",
        "os.getenv('AZUREML_MODEL_DIR')",
        "async ",
        "lambda: 0",
        "def init():\n    pass\n",
        "def run(data):\n    return data\n",
        "print 'py2'\n",
        "\x00",
        "\x0c",
        "-" * 200,
    ]
)
CONDA_FRAGMENTS = st.sampled_from(
    [
        "",
        " ",
        "\n",
        ":",
        ": ",
        "- ",
        "  ",
        "[",
        "]",
        "{",
        "}",
        "#",
        "&a ",
        "*a",
        "\t",
        "é",
        "dependencies:",
        "pip",
        "  - pip:\n    - azureml-inference-server-http\n",
        "  - python=3.11\n",
        "    - -r requirements.txt\n",
        "channels:\n",
        "name: env\n",
        "scikit-learn==1.5.2",
        "==",
        "<<: *a\n",
    ]
)


def _open(client, path: Path, text: str, language: str) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(text_document=lsp.TextDocumentItem(uri=uri, language_id=language, version=1, text=text))
    )
    return uri


async def _edit_and_settle(client, uri: str, steps) -> None:
    for version, (start, end, new) in enumerate(steps, start=2):
        client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[lsp.TextDocumentContentChangePartial(range=lsp.Range(start=start, end=end), text=new)],
            )
        )
    # Requests after the edits: their answers come after every publish the edits caused, and prove the
    # server still answers.
    await client.text_document_hover_async(lsp.HoverParams(text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(0, 0)))
    await client.text_document_code_lens_async(lsp.CodeLensParams(text_document=lsp.TextDocumentIdentifier(uri=uri)))


@st.composite
def edits_with(draw, base: str, fragments):
    text, steps = base, []
    for _ in range(draw(st.integers(1, 6))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 40)))
        if 0 < start < len(text) and text[start - 1] == "\r" and text[start] == "\n":
            start -= 1
        if 0 < end < len(text) and text[end - 1] == "\r" and text[end] == "\n":
            end += 1
        end = max(start, end)
        new = draw(st.lists(fragments, max_size=3).map("".join))
        steps.append((position(text, start), position(text, end), new))
        text = text[:start] + new + text[end:]
    return steps, text


def _as_published(findings, text: str) -> list:
    lines = lines_of(text)
    return [(f.code, convert.to_range(f.span, lines, PositionCodec()), f.message) for f in findings if f.path is None]


@settings(
    max_examples=int(os.environ.get("AML_DEPLOY_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_random_edits_of_scoring_scripts_keep_the_server_right(client, workspace, data):
    from aml_deploy.scoring.lint import lint

    base = data.draw(st.sampled_from(SCRIPTS))
    steps, final = data.draw(edits_with(base, SCRIPT_FRAGMENTS))
    path = workspace / "sample" / "src" / f"random_{next(counter)}.py"  # no deployment names it
    uri = _open(client, path, base, "python")
    await _edit_and_settle(client, uri, steps)
    expected = _as_published(lint(path, final, []) or [], final)
    assert [(d.code, d.range, d.message) for d in client.diagnostics.get(uri, [])] == expected
    client.text_document_did_close(lsp.DidCloseTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri=uri)))


@settings(
    max_examples=int(os.environ.get("AML_DEPLOY_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_random_edits_of_a_conda_file_keep_the_server_right(client, workspace, data):
    from aml_deploy.documents.kinds import Kind

    conda = workspace / "sample" / "environment" / "conda.yaml"
    deployment = workspace / "sample" / "blue-deployment.yml"
    _open(client, deployment, deployment.read_text(), "yaml")  # it names the conda file: the file is ours
    base = conda.read_text()
    steps, final = data.draw(edits_with(base, CONDA_FRAGMENTS))
    uri = _open(client, conda, base, "yaml")
    await _edit_and_settle(client, uri, steps)
    overlay = {str(conda): final}
    result = validate_text(conda, final, Context(conda, workspace, Files(overlay=overlay.get), referenced_as=Kind.CONDA))
    assert [(d.code, d.range, d.message) for d in client.diagnostics.get(uri, [])] == _as_published(result.findings, final)
    for opened in (uri, deployment.as_uri()):
        client.text_document_did_close(lsp.DidCloseTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri=opened)))
