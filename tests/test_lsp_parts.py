"""The language server's pure parts, in process: noqa, positions, edits, quick fixes, settings.

tests/test_lsp.py drives the whole server over stdio; these pin down the
cases an editor session would reach only by luck (non-ASCII columns, ``#``
inside strings, multi-line strings, CRLF files, a fixer that misbehaves).
"""
from __future__ import annotations

import ast
import sys
import types as pytypes

import pytest
from lsprotocol import types

from lint_fd.diagnostics import Diagnostic
from lint_fd.links import rule_url
from lint_fd.lsp import actions
from lint_fd.lsp.analysis import analyse
from lint_fd.lsp.convert import minimal_edit, severity, to_lsp_all
from lint_fd.lsp.settings import SettingsResolver
from lint_fd.noqa import apply_noqa, noqa_edit, silenced_on, split_lines
from lint_fd.settings import Settings

UTF16, UTF8, UTF32 = (types.PositionEncodingKind.Utf16, types.PositionEncodingKind.Utf8,
                      types.PositionEncodingKind.Utf32)


def finding(line: int, code: str = "LFD101", col: int = 0) -> Diagnostic:
    return Diagnostic(line, col, code, "message")


# --- noqa, as flake8 reads it ---------------------------------------------------------

@pytest.mark.parametrize("line, code, silenced", [
    ("x = 1  # noqa", "LFD101", True),                     # bare: every code
    ("x = 1  # noqa: LFD101", "LFD101", True),
    ("x = 1  # NOQA:LFD101,E501", "LFD101", True),
    ("x = 1  # noqa: LFD1", "LFD101", True),                # a listed prefix (flake8's startswith)
    ("x = 1  # noqa: LFD102", "LFD101", False),
    ("x = 1  # noqa: E501", "LFD101", False),
    ("x = 1  # no qa", "LFD101", False),
])
def test_silences_reads_noqa_like_flake8(line, code, silenced):
    assert silenced_on(line, code) is silenced


def test_apply_noqa_keeps_unsilenced_findings_and_never_silences_e999_or_lfd999():
    source = "a = 1  # noqa\nb = 2  # noqa: E501\nc = 3\n"
    found = [finding(1), finding(2), finding(3), finding(1, "E999"), finding(1, "LFD999")]
    kept = [(d.line, d.code) for d in apply_noqa(found, source)]
    assert kept == [(2, "LFD101"), (3, "LFD101"), (1, "E999"), (1, "LFD999")]


def test_apply_noqa_joins_the_lines_of_a_multi_line_string_but_not_of_brackets():
    """As flake8 7 does (checked against flake8 on the same text): a noqa after a
    triple-quoted string covers the string's first line; after a closing bracket
    it does not cover the line that opened it."""
    source = 'a = Image.open(\n    path,\n)  # noqa: LFD101\nb = Image.open(path + """\nx""")  # noqa: LFD101\n'
    assert [d.line for d in apply_noqa([finding(1), finding(4)], source)] == [1]


# --- the noqa edit -----------------------------------------------------------------------

@pytest.mark.parametrize("line, expected", [
    ("    img = Image.open(path)\n", "    img = Image.open(path)  # noqa: LFD101\n"),
    ("    img = Image.open(path)   \n", "    img = Image.open(path)  # noqa: LFD101\n"),  # trailing blanks dropped
    ("    img = Image.open(path)  # noqa: E501\n", "    img = Image.open(path)  # noqa: E501, LFD101\n"),
    ("    img = Image.open(path)  # noqa:E501,W291  \n", "    img = Image.open(path)  # noqa:E501,W291, LFD101  \n"),
    ("    img = Image.open(path)  # type: ignore\n", "    img = Image.open(path)  # type: ignore  # noqa: LFD101\n"),
    # a '#' inside a string is not a comment, and a string's '# noqa: E1' is not a noqa to extend
    ('    img = Image.open("a#b" + path)\n', '    img = Image.open("a#b" + path)  # noqa: LFD101\n'),
    ('    img = Image.open("# noqa: E1" + p)  # x\n', '    img = Image.open("# noqa: E1" + p)  # x  # noqa: LFD101\n'),
    ("    img = Image.open(path)\r\n", "    img = Image.open(path)  # noqa: LFD101\r\n"),  # CRLF kept
])
def test_noqa_edit_adds_or_extends_the_comment(line, expected):
    source = "def f(path, p):\n" + line + "    return img\n"
    edit = noqa_edit(source, 2, "LFD101")
    assert edit is not None
    assert split_lines(edit.apply(source))[1] == expected


def test_noqa_edit_for_a_line_ending_inside_a_string_goes_where_the_string_ends():
    source = 'x = Image.open(p + """a\nb""")\ny = 1\n'
    edit = noqa_edit(source, 1, "LFD101")
    assert split_lines(edit.apply(source)) == ['x = Image.open(p + """a\n', 'b""")  # noqa: LFD101\n', "y = 1\n"]
    assert apply_noqa([finding(1)], edit.apply(source)) == []      # and flake8's mapping honours it there


@pytest.mark.parametrize("source, line", [
    ('x = Image.open(p + """a\nb""" + \\\n    q)\n', 1),  # the string ends on a backslash continuation
    ("x = Image.open(p) + \\\n    1\n", 1),           # a backslash continuation: no comment may follow
    ("x = Image.open(p)  # noqa\n", 1),               # already silenced
    ("x = Image.open(p)  # noqa: LFD1\n", 1),         # already silenced by a prefix
    ("x = Image.open(p\n", 1),                        # does not tokenize
])
def test_noqa_edit_is_not_offered_where_it_cannot_apply_cleanly(source, line):
    assert noqa_edit(source, line, "LFD101") is None


# --- positions and severities --------------------------------------------------------

def test_columns_are_converted_from_utf8_bytes_to_the_clients_units():
    source = 'def f(path):\n    é = "ü😀"; img = Image.open(path)\n'
    text = split_lines(source)[1]
    byte_col = text.encode().index(b"Image")                 # the engine reports UTF-8 bytes (ast)
    char_col = text.index("Image")
    found = finding(2, col=byte_col)
    [utf16] = to_lsp_all([found], source, UTF16)
    [utf8] = to_lsp_all([found], source, UTF8)
    [utf32] = to_lsp_all([found], source, UTF32)
    assert utf32.range.start == types.Position(1, char_col)
    assert utf16.range.start == types.Position(1, char_col + 1)  # 😀 is two UTF-16 code units
    assert utf8.range.start == types.Position(1, byte_col)
    assert utf32.range.end == types.Position(1, char_col + len("Image.open"))


def test_syntax_error_columns_are_characters():
    source = "éé = (1\n"
    [shown] = to_lsp_all(analyse(source, None, Settings()), source, UTF16)
    assert shown.code == "E999" and shown.range.start == types.Position(0, source.index("("))


def test_lines_are_counted_as_python_counts_them_not_by_str_splitlines():
    source = "x = 1\x0c\ny = 2\nimg = open(p)\n"        # a form feed is no line break for Python
    [shown] = to_lsp_all([finding(3, col=6)], source, UTF16)
    assert shown.range.start == types.Position(2, 6)


def test_severity_error_for_raising_code_and_unchecked_files_warning_otherwise():
    assert severity("LFD201") == types.DiagnosticSeverity.Error       # pylint E8201
    assert severity("E999") == types.DiagnosticSeverity.Error
    assert severity("LFD999") == types.DiagnosticSeverity.Error
    assert severity("LFD101") == types.DiagnosticSeverity.Warning
    assert severity("LFD302") == types.DiagnosticSeverity.Warning
    source = "def f(:\n"
    [shown] = to_lsp_all(analyse(source, None, Settings()), source, UTF16)
    assert shown.code_description.href == rule_url("E999")


@pytest.mark.parametrize("old, new", [
    ("a\nb\nc\n", "a\nB\nc\n"),
    ("a\r\nb\r\n", "a\r\nx\r\nb\r\n"),
    ("a\r\nb\r\n", "a\nb\r\n"),
    ("abc", "abcd"),
    ("abc\n", ""),
    ("é😀x\n", "é😀yx\n"),
])
def test_minimal_edit_turns_old_into_new(old, new):
    edit = minimal_edit(old, new, UTF32)
    lines = split_lines(old)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    start = offsets[edit.range.start.line] + edit.range.start.character
    end = offsets[edit.range.end.line] + edit.range.end.character
    assert old[:start] + edit.new_text + old[end:] == new
    assert len(edit.new_text) <= len(new)


# --- the quick fixes ------------------------------------------------------------------

LEAK = "from PIL import Image\n\n\ndef size(path):\n    img = Image.open(path)\n    return img.size\n"
FIXED = "from PIL import Image\n\n\ndef size(path):\n    with Image.open(path) as img:\n        return img.size\n"


def fake_fixer(monkeypatch, result):
    """Stand in for lint_fd.fix (built concurrently) with a fixer returning ``result``."""
    calls = []

    def fix_for_diagnostic(source, diagnostic, settings, filename=None, unsafe=False):
        calls.append((diagnostic.code, diagnostic.line, filename, unsafe))
        if isinstance(result, Exception):
            raise result
        return result

    monkeypatch.setitem(sys.modules, "lint_fd.fix", pytypes.SimpleNamespace(fix_for_diagnostic=fix_for_diagnostic))
    return calls


def actions_for(source, line=4):
    findings = analyse(source, "/w/leak.py", Settings())
    return actions.code_actions("file:///w/leak.py", 7, source, findings, line, line, Settings(), "/w/leak.py", UTF16)


def test_the_fixers_rewrite_is_offered_as_a_minimal_versioned_edit(monkeypatch):
    calls = fake_fixer(monkeypatch, FIXED)
    fix, ignore = actions_for(LEAK)
    assert calls == [("LFD101", 5, "/w/leak.py", False)]      # safe fixes only
    assert fix.title == "Fix LFD101 (lint_fd rewrite)" and fix.is_preferred and fix.kind == "quickfix"
    [change] = fix.edit.document_changes
    assert change.text_document.version == 7
    [edit] = change.edits
    assert edit.range.start.line == 4 and edit.range.end.line == 5  # only the two changed lines
    lines = LEAK.splitlines(keepends=True)
    start = sum(map(len, lines[:4])) + edit.range.start.character
    end = sum(map(len, lines[:5])) + edit.range.end.character
    assert LEAK[:start] + edit.new_text + LEAK[end:] == FIXED
    assert ignore.title == "Ignore LFD101 for this line"


def test_actions_are_computed_once_per_finding_with_the_servers_cache(monkeypatch):
    calls = fake_fixer(monkeypatch, FIXED)
    findings = analyse(LEAK, "/w/leak.py", Settings())
    cache = {}
    for _ in range(3):  # an editor asks again at every cursor move on the line
        found = actions.code_actions("file:///w/leak.py", 7, LEAK, findings, 4, 4, Settings(), "/w/leak.py",
                                     UTF16, cache=cache)
        assert [a.title for a in found] == ["Fix LFD101 (lint_fd rewrite)", "Ignore LFD101 for this line"]
    assert len(calls) == 1


@pytest.mark.parametrize("result", [None, LEAK, "def broken(:\n", RuntimeError("fixer bug"), 42])
def test_no_rewrite_is_offered_when_the_fixer_has_no_clean_one(monkeypatch, result):
    fake_fixer(monkeypatch, result)
    assert [a.title for a in actions_for(LEAK)] == ["Ignore LFD101 for this line"]


def test_without_the_fixer_only_the_noqa_action(monkeypatch):
    monkeypatch.setitem(sys.modules, "lint_fd.fix", None)     # import fails
    assert [a.title for a in actions_for(LEAK)] == ["Ignore LFD101 for this line"]


def test_no_actions_outside_the_requested_lines(monkeypatch):
    monkeypatch.setitem(sys.modules, "lint_fd.fix", None)
    assert actions_for(LEAK, line=0) == []


def test_noqa_action_result_parses_and_silences(monkeypatch):
    monkeypatch.setitem(sys.modules, "lint_fd.fix", None)
    source = LEAK.replace("Image.open(path)", 'Image.open(path + "#1")  # noqa: E501')
    [ignore] = actions_for(source)
    [edit] = ignore.edit.document_changes[0].edits
    line = source.splitlines()[4]
    assert edit.range.start == edit.range.end == types.Position(4, line.index("  #") + len("  # noqa: E501"))
    new = source.splitlines()
    new[4] = line[:edit.range.start.character] + edit.new_text + line[edit.range.start.character:]
    assert new[4] == '    img = Image.open(path + "#1")  # noqa: E501, LFD101'
    ast.parse("\n".join(new))
    assert analyse("\n".join(new) + "\n", "/w/leak.py", Settings()) == []


# --- settings and failures ------------------------------------------------------------

def test_settings_editor_options_over_pyproject_and_reread_on_change(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.lint_fd]\nignore = ["LFD101"]\n')
    (tmp_path / "pkg").mkdir()
    resolver = SettingsResolver({"strict": True})
    first = resolver.resolve(tmp_path / "pkg")
    assert first.settings.ignore == ("LFD101",) and first.settings.strict and first.config == pyproject
    assert resolver.resolve(tmp_path / "pkg") is first                     # unchanged: cached
    pyproject.write_text('[tool.lint_fd]\nignore = ["LFD102", "LFD103"]\n')
    assert resolver.resolve(tmp_path / "pkg").settings.ignore == ("LFD102", "LFD103")
    (tmp_path / "pkg" / "pyproject.toml").write_text("[tool.lint_fd]\n")   # a nearer one appears
    assert resolver.resolve(tmp_path / "pkg").settings.ignore == ()


def test_unusable_settings_are_reported_once_and_replaced_by_defaults(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.lint_fd\n")
    reported = []
    resolver = SettingsResolver({"strict": "yes"}, report=reported.append)
    assert resolver.resolve(tmp_path).settings == Settings()
    resolver.forget()
    assert resolver.resolve(tmp_path).settings == Settings()
    assert len(reported) == 2 and "strict" in reported[0] and "pyproject.toml" in reported[1]


def test_per_file_ignores_of_the_workspace_configuration_apply_to_the_document(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.lint_fd.per-file-ignores]\n"notebooks/*.py" = ["LFD101"]\n"test_*.py" = ["LFD3"]\n')
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "src").mkdir()
    resolver = SettingsResolver()
    source = "def f(p):\n    handle = open(p)\n    yield handle.read()\n"  # LFD101 and LFD301 on line 2

    def codes_in(relative):
        path = tmp_path / relative
        return [d.code for d in analyse(source, str(path), resolver.resolve(path.parent).settings)]

    assert codes_in("src/a.py") == ["LFD101", "LFD301"]
    assert codes_in("notebooks/a.py") == ["LFD301"]
    assert codes_in("src/test_a.py") == ["LFD101"]
    assert codes_in("notebooks/test_a.py") == []


def test_an_engine_failure_becomes_lfd999(monkeypatch):
    def broken(source, filename, settings):
        raise RuntimeError("boom")

    monkeypatch.setattr("lint_fd.lsp.analysis.check_source", broken)
    [failure] = analyse(LEAK, "x.py", Settings())
    assert failure.code == "LFD999" and "boom" in failure.message and failure.line == 1
