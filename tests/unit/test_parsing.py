"""The parser: positions, syntax errors, duplicate keys, and input built to hurt."""

import json

import pytest
import yaml

from aml_deploy.documents import parsing
from aml_deploy.documents.parsing import MAX_DEPTH, parse
from aml_deploy.findings import Severity, Span


def test_yaml_data_and_positions():
    parsed = parse("name: blue\nmodel:\n  path: ./m\n")
    assert parsed.data == {"name": "blue", "model": {"path": "./m"}}
    key, value = parsed.root.value[1]
    assert (key.start_mark.line, key.start_mark.column) == (1, 0)


def test_yaml_11_booleans_like_the_azure_cli():
    assert parse("a: yes\nb: off\n").data == {"a": True, "b": False}


def test_syntax_error_marks_the_line():
    parsed = parse("name: blue\nmodel: [1, 2\ncode: x\n")
    [finding] = parsed.findings
    assert finding.code == "AMLD001" and finding.severity is Severity.ERROR
    assert finding.span.start_line == 2
    assert not parsed.ok


def test_tab_indentation_explains_itself():
    parsed = parse("model:\n\tpath: x\n")
    [finding] = parsed.findings
    assert "tabs" in finding.message


def test_duplicate_key_marks_the_second_key():
    parsed = parse("name: a\nauth_mode: key\nname: b\n")
    [finding] = parsed.findings
    assert finding.code == "AMLD002"
    assert (finding.span.start_line, finding.span.start_col, finding.span.end_col) == (2, 0, 4)
    assert parsed.data["name"] == "b"


def test_template_gets_one_info_and_nothing_else():
    parsed = parse("name: {{ENDPOINT_NAME}}\nauth_mode: bogus\n")
    assert parsed.templated
    [finding] = parsed.findings
    assert finding.code == "AMLD003" and finding.severity is Severity.INFO
    assert (finding.span.start_line, finding.span.start_col) == (0, 6)


def test_alias_bomb_is_refused_quickly():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, 10):
        bomb += f"{chr(97 + i)}: &{chr(97 + i)} [*{chr(96 + i)}, *{chr(96 + i)}, *{chr(96 + i)}, *{chr(96 + i)}, *{chr(96 + i)}, *{chr(96 + i)}, *{chr(96 + i)}, *{chr(96 + i)}, *{chr(96 + i)}]\n"
    parsed = parse(bomb)
    [finding] = parsed.findings
    assert finding.code == "AMLD004" and "alias" in finding.message


def test_recursive_alias_does_not_loop():
    parsed = parse("a: &a [*a]\n")
    assert parsed.findings and parsed.findings[0].code in ("AMLD001", "AMLD004")


def deep_block(levels: int) -> str:
    return "".join(" " * i + f"k{i}:\n" for i in range(levels)) + " " * levels + "v: 1\n"


LOADERS = [yaml.SafeLoader] + ([yaml.CSafeLoader] if hasattr(yaml, "CSafeLoader") else [])


@pytest.mark.parametrize("loader", LOADERS, ids=lambda c: c.__name__)
def test_block_nesting_1000_deep_is_reported_not_crashed(loader, monkeypatch):
    # The same answer from libyaml with or without its own nesting limit (PyYAML 6.0.4 added one)
    # and from the pure-Python reader: the pre-check refuses the document before either reads it.
    monkeypatch.setattr(parsing, "_Loader", loader)
    [finding] = parse(deep_block(1000)).findings
    assert finding.code == "AMLD004" and finding.severity is Severity.WARNING
    assert finding.span == Span.point(MAX_DEPTH, MAX_DEPTH)  # the line where it passed the limit
    assert f"more than {MAX_DEPTH} levels" in finding.message


def test_block_nesting_at_the_limit_is_validated():
    parsed = parse(deep_block(MAX_DEPTH - 1))
    assert parsed.ok and not parsed.findings


def test_dashes_on_one_line_count_as_nesting():
    [finding] = parse("a:\n" + "- " * (MAX_DEPTH + 5) + "x\n").findings
    assert finding.code == "AMLD004" and finding.span.start_line == 1


class _LibyamlWithItsLimit:
    """Raises what libyaml raises in PyYAML 6.0.4 and later past its own nesting limit (the
    installed PyYAML may be older: the range in pyproject.toml allows both)."""

    def __init__(self, text):
        self.text = text

    def get_single_node(self):
        mark = yaml.Mark("<unicode string>", 0, 999, 1003, None, None)  # 0-based: "line 1000" in its text
        raise yaml.scanner.ScannerError("while increasing block level", mark, "exceeded maximum nesting depth", mark)

    def dispose(self):
        pass


@pytest.mark.parametrize("loader", [_LibyamlWithItsLimit] + LOADERS, ids=lambda c: c.__name__)
def test_the_readers_own_depth_errors_are_amld004_at_the_spot(loader, monkeypatch):
    # Nesting the pre-check lets through (a higher limit here) reaches the reader: libyaml's own
    # limit (PyYAML >= 6.0.4) and the pure reader's RecursionError are AMLD004, never AMLD001.
    monkeypatch.setattr(parsing, "MAX_DEPTH", 10_000)
    monkeypatch.setattr(parsing, "_Loader", loader)
    text = deep_block(1000)
    if loader is getattr(yaml, "CSafeLoader", None):
        try:
            yaml.CSafeLoader(text).get_single_node()
        except yaml.MarkedYAMLError:
            pass
        else:
            pytest.skip(f"this libyaml (PyYAML {yaml.__version__}) has no nesting limit")
    [finding] = parse(text).findings
    assert finding.code == "AMLD004" and finding.severity is Severity.WARNING
    if loader is not yaml.SafeLoader:
        assert finding.span.start_line == 999 and "nesting depth" in finding.message


def test_block_and_flow_nesting_together_are_caught_where_they_pass_the_limit():
    # 150 indented levels and 150 brackets: neither pre-check fires; the builder stops at the node.
    text = deep_block(150).replace("v: 1", "v: " + "[" * 150 + "]" * 150)
    [finding] = parse(text).findings
    assert finding.code == "AMLD004" and f"more than {MAX_DEPTH} levels" in finding.message
    assert finding.span.start_line == 150 and finding.span.start_col > 150


def test_flow_nesting_100_000_deep_does_not_reach_libyaml():
    # libyaml recurses once per level and segfaults at this depth; the pre-check stops it.
    parsed = parse("a: " + "[" * 100_000 + "]" * 100_000)
    [finding] = parsed.findings
    assert finding.code == "AMLD004" and str(MAX_DEPTH) in finding.message
    assert finding.span == Span.point(0, 3 + MAX_DEPTH)  # the first bracket past the limit


def test_brackets_inside_strings_do_not_count_as_nesting():
    text = "a: '" + "[" * 500 + "'\n"
    assert parse(text).ok


def test_five_megabytes_is_skipped_with_a_warning():
    parsed = parse("k: v\n" * 1_000_000)
    [finding] = parsed.findings
    assert finding.code == "AMLD004" and "KB" in finding.message


def test_json_keeps_exact_semantics_and_positions():
    text = '{\n\t"entryScript": "score.py",\n\t"enableGpu": false,\n\t"n": 1e3\n}'
    parsed = parse(text, is_json=True)
    assert parsed.data == json.loads(text)
    key, _ = parsed.root.value[1]
    assert (key.start_mark.line, key.start_mark.column) == (2, 1)


def test_json_with_comments_says_so():
    parsed = parse('{\n  // the script\n  "entryScript": "score.py"\n}', is_json=True)
    [finding] = parsed.findings
    assert finding.code == "AMLD001" and "comments" in finding.message
    assert finding.span.start_line == 1


def test_json_duplicate_keys():
    parsed = parse('{"port": 1, "port": 2}', is_json=True)
    assert [f.code for f in parsed.findings] == ["AMLD002"]


def test_empty_and_comment_only_documents():
    assert parse("").data is None and not parse("").findings
    assert parse("# nothing\n").findings == []


def test_binary_garbage_is_a_syntax_error_not_an_exception():
    parsed = parse("\x00\x01\x02 name: x")
    assert parsed.findings and parsed.findings[0].code == "AMLD001"


def test_characters_yaml_refuses_are_placed_where_they_are():
    for character in ("\0", "\x0c"):
        [finding] = parse(f"name: blue\nendpoint_name: ep1\ninstance_count: 1{character}\n").findings
        assert finding.code == "AMLD001" and (finding.span.start_line, finding.span.start_col) == (2, 17)
        assert f"#x{ord(character):04x}" in finding.message


def test_a_number_python_cannot_convert_is_an_error_at_its_place():
    [finding] = parse('{"entryScript": "score.py",\n "x": ' + "9" * 5000 + "}", is_json=True).findings
    assert finding.code == "AMLD001" and (finding.span.start_line, finding.span.start_col) == (1, 6)
    assert "5,000 digits" in finding.message


def test_a_large_file_is_called_by_its_size_on_disk():
    [finding] = parse("name: x\n", size=2 * 1024 * 1024).findings
    assert finding.code == "AMLD004" and "2.0 MB" in finding.message


def test_a_conda_alias_bomb_is_named_for_what_it_is(tmp_path):
    from aml_deploy.documents.conda import read_spec

    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 9):
        lines.append(f"{chr(97 + i)}: &{chr(97 + i)} [" + ", ".join([f"*{chr(96 + i)}"] * 9) + "]")
    conda = tmp_path / "conda.yaml"
    conda.write_text("\n".join(lines) + "\ndependencies: [python]\n")
    spec, problem = read_spec(conda, lambda path: path.read_text())
    assert spec is None and "alias bomb" in problem.why and "not valid YAML" not in problem.why
