"""The editor and `aml-deploy validate` run one checking session: over the whole corpus, the
diagnostics the server publishes are the ones the CLI reports, file by file."""

from __future__ import annotations

import shutil

import pytest
from lsprotocol import types as lsp
from pygls.workspace.position_codec import PositionCodec

from aml_deploy.checking import check_paths
from aml_deploy.lsp import convert
from aml_deploy.registry import Registry
from aml_deploy.registry.lookup import ModelRegistryLookup
from tests.lsp.conftest import wait_for
from tests.support import SHARED, require

CORPUS = SHARED / "corpus"

pytestmark = pytest.mark.corpus


@pytest.fixture
def workspace(tmp_path):
    require(CORPUS.is_dir(), f"the corpus is not at {CORPUS} (../shared/corpus)")
    root = tmp_path / "corpus"
    shutil.copytree(CORPUS, root)
    return root


def _as_published(result, codec) -> list[tuple]:
    lines = result.text.splitlines(True)
    return sorted(_key(convert.to_diagnostic(f, lines, codec)) for f in result.findings if f.path is None)


def _key(diagnostic: lsp.Diagnostic) -> tuple:
    start = diagnostic.range.start
    return start.line, start.character, diagnostic.code, int(diagnostic.severity or 1), diagnostic.message


@pytest.mark.parametrize("client", [True], indirect=True)
async def test_server_and_cli_report_the_same_diagnostics_for_the_corpus(client, workspace, registry_root):
    await wait_for(lambda: [m for m in client.log_messages if "checked" in m.message], timeout=120, what="workspace scan")
    codec = PositionCodec(lsp.PositionEncodingKind.Utf16)
    cli = {
        r.path.as_uri(): _as_published(r, codec) for r in check_paths([workspace], workspace, ModelRegistryLookup(Registry(registry_root)))
    }
    server = {uri: sorted(map(_key, diagnostics)) for uri, diagnostics in client.diagnostics.items()}
    with_findings = {uri for uri, found in cli.items() if found}
    assert len(with_findings) > 50  # the corpus has plenty to say: the comparison is not vacuous
    assert {uri for uri, found in server.items() if found} == with_findings
    for uri in sorted(with_findings):
        assert server[uri] == cli[uri], uri
