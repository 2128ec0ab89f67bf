"""Every code the checkers emit is catalogued and documented."""

import re

from aml_deploy.codes import CODES, DOCS_FILE, docs_url, editor_docs_url
from tests.support import ROOT


def test_every_emitted_code_is_catalogued():
    emitted = set()
    for path in (ROOT / "server" / "aml_deploy").rglob("*.py"):
        if path.name != "codes.py":
            emitted |= set(re.findall(r'"(AMLD\d{3})"', path.read_text()))
    assert emitted, "the scan found no codes at all"
    assert emitted <= set(CODES), emitted - set(CODES)


def test_every_code_has_a_documented_section():
    docs = DOCS_FILE.read_text()
    anchors = set(re.findall(r'<a id="(amld\d{3})"></a>\n### (AMLD\d{3})', docs))
    assert {a for a, _ in anchors} == {c.lower() for c in CODES}
    assert all(a == h.lower() for a, h in anchors)


def test_docs_url_points_at_the_anchor():
    assert docs_url("AMLD101").endswith("diagnostics.md#amld101")
    assert DOCS_FILE.exists()


def test_the_editor_link_opens_the_code_section_at_its_line():
    lines = DOCS_FILE.read_text().splitlines()
    for code in CODES:
        link = editor_docs_url(code)
        assert link.startswith(DOCS_FILE.as_uri() + "#L"), link
        heading = lines[int(link.rsplit("#L", 1)[1]) - 1]
        assert heading.startswith(f"### {code} "), (code, heading)
