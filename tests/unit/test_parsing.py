"""The parser: positions, syntax errors, duplicate keys, and input built to hurt."""

import json

from aml_deploy.documents.parsing import MAX_DEPTH, parse
from aml_deploy.findings import Severity


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


def test_block_nesting_1000_deep_is_reported_not_crashed():
    text = "".join(" " * i + f"k{i}:\n" for i in range(1000)) + " " * 1000 + "v: 1\n"
    parsed = parse(text)
    assert [f.code for f in parsed.findings] == ["AMLD004"]


def test_flow_nesting_100_000_deep_does_not_reach_libyaml():
    # libyaml recurses once per level and segfaults at this depth; the pre-check stops it.
    parsed = parse("a: " + "[" * 100_000 + "]" * 100_000)
    [finding] = parsed.findings
    assert finding.code == "AMLD004" and str(MAX_DEPTH) in finding.message


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
