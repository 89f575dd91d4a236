"""The end of a ``lint-fd`` run: summary line, --quiet, --statistics, --show-source,
colour (terminal only, NO_COLOR respected) and the progress bar (terminal only, never
in pipes, CI or machine formats). Uses the real engine on small files whose findings
are known by reading them."""
from __future__ import annotations

import io
import subprocess
import sys

import pytest

from lint_fd import cli, progress, report
from lint_fd.diagnostics import Diagnostic
from lint_fd.runner import FileResult

LEAK = "from PIL import Image\n\n\ndef size(path):\n    img = Image.open(path)\n    return img.size\n"
TWO_LEAKS = LEAK + "\n\ndef size2(path):\n\timg = Image.open(path)\n\treturn img.size\n"
ESC = "\033["


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    return tmp_path


def run(capsys, *argv):
    status = cli.main(["--no-cache", "--isolated", "--jobs", "1", *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


# --- summary -----------------------------------------------------------------------------

def test_summary_line_counts_problems_codes_and_files(project, capsys):
    (project / "a.py").write_text(TWO_LEAKS)
    (project / "b.py").write_text("x = 1\n")
    (project / "c.py").write_text("def f(:\n")
    status, out, err = run(capsys, ".")
    assert status == 1 and len(out.splitlines()) == 3
    assert err.splitlines() == ["Found 3 problems (E999: 1, LFD101: 2) in 2 of 3 files."]


def test_all_checks_passed_and_quiet(project, capsys):
    (project / "ok.py").write_text("x = 1\n")
    assert run(capsys, "ok.py") == (0, "", "All checks passed.\n")
    assert run(capsys, "-q", "ok.py") == (0, "", "")
    (project / "a.py").write_text(LEAK)
    status, out, err = run(capsys, "--quiet", "a.py")
    assert status == 1 and out.count("LFD101") == 1 and err == ""


def test_summary_never_calls_an_unread_file_clean(project, capsys):
    (project / "ok.py").write_text("x = 1\n")
    status, _, err = run(capsys, "ok.py", "missing.py")
    assert status == 2
    assert err.splitlines() == ["lint-fd: missing.py: No such file or directory",
                                "No problems found in 1 file; 1 file could not be read."]


def test_machine_formats_print_no_summary(project, capsys):
    (project / "a.py").write_text(LEAK)
    for fmt in ("json", "github", "sarif"):
        assert run(capsys, "--format", fmt, "a.py")[2] == "", fmt


def test_summary_line_wording():
    one = [FileResult("a.py", [Diagnostic(1, 0, "LFD101", "m")])]
    assert report.summary_line(one) == "Found 1 problem (LFD101: 1) in 1 of 1 file."
    many = one + [FileResult("b.py", [Diagnostic(1, 0, "LFD102", "m"), Diagnostic(2, 0, "LFD101", "m")]),
                  FileResult("c.py")]
    assert report.summary_line(many) == "Found 3 problems (LFD101: 2, LFD102: 1) in 2 of 3 files."
    assert report.summary_line([FileResult("c.py")]) == "All checks passed."


# --- statistics and source -----------------------------------------------------------------

def test_statistics_per_code(project, capsys):
    (project / "a.py").write_text(TWO_LEAKS)
    (project / "b.py").write_text("def f(:\n")
    status, out, _ = run(capsys, "--statistics", ".")
    lines = out.splitlines()
    assert lines[-2:] == ["2  LFD101  resource-not-closed", "1  E999    syntax-error"]
    # with a machine format the table goes to stderr, so stdout stays parseable
    status, out, err = run(capsys, "--statistics", "--format", "json", ".")
    assert out.lstrip().startswith("[") and "2  LFD101  resource-not-closed" in err


def test_show_source_prints_the_line_and_a_caret(project, capsys):
    (project / "a.py").write_text(TWO_LEAKS.replace("def size2(path):\n", "def size2(path):\n\tx = 'é'\n"))
    _, out, _ = run(capsys, "--show-source", "a.py")
    lines = out.splitlines()
    assert lines[0] == "a.py:5:11: LFD101 PIL image opened here is not closed on every path; " + lines[0].split("; ", 1)[1]
    assert lines[1:3] == ["    img = Image.open(path)", "          ^"]
    assert lines[3].startswith("a.py:11:8: LFD101 ")
    assert lines[4:6] == ["\timg = Image.open(path)", "\t      ^"]  # the tab is kept so the caret lines up


def test_caret_under_non_ascii_prefix():
    line = "x = 'é'; img = open(p)"
    assert report.caret_lines(line, line.encode().index(b"open")) == [line, " " * line.index("open") + "^"]


# --- colour ------------------------------------------------------------------------------

def test_colour_only_on_a_terminal_and_never_with_no_color(project, monkeypatch, capsys):
    (project / "a.py").write_text(LEAK)
    assert ESC not in "".join(run(capsys, "a.py")[1:])  # captured: not a terminal
    assert ESC in run(capsys, "--color", "always", "a.py")[1]
    assert ESC not in run(capsys, "--color", "never", "a.py")[1]
    tty = FakeTTY()
    assert report.use_color("auto", tty, {"TERM": "xterm"}) is True
    assert report.use_color("auto", tty, {"TERM": "xterm", "NO_COLOR": "1"}) is False
    assert report.use_color("auto", tty, {"TERM": "dumb"}) is False
    assert report.use_color("auto", io.StringIO(), {}) is False
    monkeypatch.setattr(sys, "stdout", tty)
    cli.main(["--no-cache", "--isolated", "a.py"])
    assert ESC in tty.getvalue()
    monkeypatch.setenv("NO_COLOR", "1")
    other = FakeTTY()
    monkeypatch.setattr(sys, "stdout", other)
    cli.main(["--no-cache", "--isolated", "a.py"])
    assert ESC not in other.getvalue() and "LFD101" in other.getvalue()


def test_no_colour_in_machine_formats_even_when_forced(project, capsys):
    (project / "a.py").write_text(LEAK)
    for fmt in ("json", "github", "sarif"):
        assert ESC not in run(capsys, "--color", "always", "--format", fmt, "a.py")[1]


# --- progress bar ------------------------------------------------------------------------

def test_progress_wanted_only_on_a_terminal_outside_ci():
    assert progress.wanted(FakeTTY(), {"TERM": "xterm"})
    assert not progress.wanted(io.StringIO(), {"TERM": "xterm"})
    assert not progress.wanted(FakeTTY(), {"TERM": "xterm", "CI": "true"})
    assert not progress.wanted(FakeTTY(), {"TERM": "dumb"})


def test_progress_bar_draws_and_erases_itself():
    stream = FakeTTY()
    with progress.Progress(4, stream, "lint-fd") as bar:
        for _ in range(4):
            bar.advance()
    text = stream.getvalue()
    assert "lint-fd [" in text and "4/4" in text and text.endswith("\r")
    assert "\n" not in text


def _many_files(project, count):
    for i in range(count):
        (project / f"m{i:03}.py").write_text("x = 1\n")


def test_progress_on_a_terminal_for_many_files(project, monkeypatch, capsys):
    _many_files(project, cli.PROGRESS_MIN_FILES)
    tty = FakeTTY()
    monkeypatch.setattr(sys, "stderr", tty)
    assert cli.main(["--no-cache", "--isolated", "--jobs", "1", "."]) == 0
    assert f"{cli.PROGRESS_MIN_FILES}/{cli.PROGRESS_MIN_FILES}" in tty.getvalue()
    assert tty.getvalue().rstrip("\n").endswith("All checks passed.\x1b[0m")
    for extra in (["--quiet"], ["--format", "json"], ["--format", "sarif"]):
        tty = FakeTTY()
        monkeypatch.setattr(sys, "stderr", tty)
        cli.main(["--no-cache", "--isolated", "--jobs", "1", *extra, "."])
        assert "\r" not in tty.getvalue(), extra
    monkeypatch.setenv("CI", "true")
    tty = FakeTTY()
    monkeypatch.setattr(sys, "stderr", tty)
    cli.main(["--no-cache", "--isolated", "--jobs", "1", "."])
    assert "\r" not in tty.getvalue()


def test_no_progress_for_few_files_or_in_a_pipe(project, monkeypatch):
    _many_files(project, cli.PROGRESS_MIN_FILES - 1)
    tty = FakeTTY()
    monkeypatch.setattr(sys, "stderr", tty)
    cli.main(["--no-cache", "--isolated", "--jobs", "1", "."])
    assert "\r" not in tty.getvalue()
    _many_files(project, cli.PROGRESS_MIN_FILES + 5)
    proc = subprocess.run([sys.executable, "-m", "lint_fd.cli", "--no-cache", "--isolated", "."],
                          capture_output=True, text=True, cwd=project)
    assert proc.stderr == "All checks passed.\n"


def test_confirm_draws_a_bar_only_on_a_terminal(monkeypatch):
    """``lint-fd confirm``'s progress messages become a bar on a terminal and vanish in a pipe."""
    from lint_fd import confirm

    seen = {}

    def fake_measure(codes, implementations, workdir, progress=None):
        seen["progress"] = progress
        if progress:
            progress("measuring LFD101")
            progress("measuring LFD102")
        return [], {}

    monkeypatch.setattr(confirm, "measure", fake_measure)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    tty = FakeTTY()
    monkeypatch.setattr(sys, "stderr", tty)
    confirm.main(["--only", "LFD10"])
    assert "lint-fd confirm [" in tty.getvalue() and "measuring LFD102" in tty.getvalue()
    pipe = io.StringIO()
    monkeypatch.setattr(sys, "stderr", pipe)
    confirm.main(["--only", "LFD10"])
    assert seen["progress"] is None and "\r" not in pipe.getvalue()


def test_github_annotations_use_the_same_levels_as_sarif(project, capsys):
    (project / "a.py").write_text(LEAK)
    (project / "t.py").write_text(
        "from keras.preprocessing.image import ImageDataGenerator\n\n"
        "it = ImageDataGenerator().flow_from_directory('data')\nit.close()\n")
    out = run(capsys, "--format", "github", "a.py", "t.py")[1].splitlines()
    assert out[0].startswith("::warning file=a.py,line=5,") and "LFD101" in out[0]
    assert out[1].startswith("::error file=t.py,line=4,") and "LFD201" in out[1]  # E8201: it raises
