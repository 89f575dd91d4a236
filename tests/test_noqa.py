"""``# noqa`` in the ``lint-fd`` command reads as flake8 reads it, so a line silenced
for flake8 is silent in every door that reads it (flake8, lint-fd, the language server)."""
from __future__ import annotations

import textwrap

import pytest

from lint_fd import cli
from lint_fd.diagnostics import Diagnostic
from lint_fd.noqa import apply_noqa, silenced_on

LEAKS = textwrap.dedent(
    """\
    from PIL import Image


    def bare(p):
        img = Image.open(p)  # noqa
        return img.size


    def listed(p):
        img = Image.open(p)  # noqa: LFD101
        return img.size


    def prefix(p):
        img = Image.open(p)  # NOQA:LFD1
        return img.size


    def other_code(p):
        img = Image.open(p)  # noqa: LFD301,E501
        return img.size


    def in_a_string(p):
        img = Image.open(p)
        return img.size, "# noqa is text here, on another line"
    """
)


@pytest.mark.parametrize(
    ("line", "code", "silenced"),
    [
        ("x = 1  # noqa", "LFD101", True),
        ("x = 1  # noqa: LFD101", "LFD101", True),
        ("x = 1  # noqa:LFD101,LFD102", "LFD102", True),
        ("x = 1  # noqa: LFD1", "LFD103", True),
        ("x = 1  # NoQA: lfd101", "LFD101", True),
        ("x = 1  # noqa: LFD102", "LFD101", False),
        ("x = 1  # no qa", "LFD101", False),
        ("x = 1", "LFD101", False),
    ],
)
def test_a_noqa_comment_covers_what_flake8_would_cover(line, code, silenced):
    assert silenced_on(line, code) is silenced


def test_syntax_errors_and_internal_failures_are_never_silenced():
    found = [Diagnostic(1, 0, "E999", "SyntaxError"), Diagnostic(1, 0, "LFD999", "bug")]
    assert apply_noqa(found, "x = (  # noqa\n") == found


def test_lint_fd_reports_only_the_lines_noqa_does_not_cover(tmp_path, monkeypatch, capsys):
    (tmp_path / "loaders.py").write_text(LEAKS, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    status = cli.main(["--isolated", "--no-cache", "--quiet", "loaders.py"])
    out = capsys.readouterr().out.splitlines()
    assert status == 1
    # line 20 says noqa for other codes only; line 25's noqa is inside a string on another line
    assert [line.split(": ")[0] + ":" + line.split(": ")[1].split()[0] for line in out] == [
        "loaders.py:20:11:LFD101",
        "loaders.py:25:11:LFD101",
    ]
