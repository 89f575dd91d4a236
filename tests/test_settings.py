"""Settings: selection with extend-*, per-file-ignores matching, the [tool.lint_fd] table,
one-line configuration errors from every door, and ``lint-fd --show-settings``."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import fields
from pathlib import Path

import pytest

from lint_fd import cli
from lint_fd.config import ConfigError, parse_per_file_ignores, settings_from_pyproject
from lint_fd.diagnostics import Diagnostic
from lint_fd.settings import OPTIONS, Settings, drop_per_file_ignored, normalize_glob, per_file_ignored

LEAK = "from PIL import Image\n\n\ndef size(path):\n    img = Image.open(path)\n    return img.size\n"


# --- selection ------------------------------------------------------------------------

@pytest.mark.parametrize("settings, on, off", [
    (Settings(), {"LFD101", "LFD302"}, {"LFD104"}),
    (Settings(extend_ignore=("LFD3",)), {"LFD101"}, {"LFD301", "LFD302"}),
    (Settings(ignore=("LFD1",), extend_ignore=("LFD2",)), {"LFD301"}, {"LFD101", "LFD201"}),
    (Settings(extend_select=("LFD104",)), {"LFD101", "LFD104"}, set()),
    (Settings(extend_select=("LFD1",)), {"LFD101"}, {"LFD104"}),  # a prefix does not turn LFD104 on
    (Settings(select=("LFD2",), extend_select=("LFD3",)), {"LFD201", "LFD301"}, {"LFD101"}),
    (Settings(extend_ignore=("LFD1",), extend_select=("LFD104",)), {"LFD104"}, {"LFD101"}),  # exact code wins
    (Settings(ignore=("LFD",)), {"E999", "LFD999"}, {"LFD101"}),  # a file not checked always shows
])
def test_enabled_honours_extend_select_and_extend_ignore(settings, on, off):
    assert {code for code in on | off if settings.enabled(code)} == on


# --- per-file-ignores -----------------------------------------------------------------

def test_per_file_ignores_match_like_flake8(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = Settings(per_file_ignores=(
        ("test_*.py", ("LFD101",)),  # a bare glob matches the file name in any folder
        (normalize_glob("legacy/*", tmp_path), ("LFD1", "LFD3")),  # a folder glob is anchored, * crosses folders
    ))
    assert per_file_ignored(settings, "pkg/tests/test_io.py") == ("LFD101",)
    assert per_file_ignored(settings, "legacy/deep/old.py") == ("LFD1", "LFD3")
    assert per_file_ignored(settings, str(tmp_path / "legacy" / "old.py")) == ("LFD1", "LFD3")
    assert per_file_ignored(settings, "src/legacy/old.py") == ()  # anchored at tmp_path, not anywhere
    assert per_file_ignored(settings, "pkg/io_test.py") == ()
    found = [Diagnostic(1, 0, "E999", "x"), Diagnostic(2, 0, "LFD101", "x"), Diagnostic(3, 0, "LFD201", "x")]
    assert [d.code for d in drop_per_file_ignored(found, "legacy/a.py", settings)] == ["E999", "LFD201"]
    assert drop_per_file_ignored(found, "other.py", settings) == found


def test_per_file_ignores_string_syntax(tmp_path):
    assert parse_per_file_ignores("a.py:LFD101,LFD102 b.py: LFD2", parent=tmp_path) == (
        ("a.py", ("LFD101", "LFD102")), ("b.py", ("LFD2",)))
    assert parse_per_file_ignores("\n  x/*.py: LFD1\n  c.py,d.py: LFD3\n", parent=tmp_path) == (
        (str(tmp_path / "x" / "*.py"), ("LFD1",)), ("c.py", ("LFD3",)), ("d.py", ("LFD3",)))
    assert parse_per_file_ignores("") == ()
    for bad in ("tests/*", ":LFD1", "a.py:", "a.py: b.py"):
        with pytest.raises(ConfigError):
            parse_per_file_ignores(bad)


# --- the [tool.lint_fd] table -------------------------------------------------------------

def test_every_settings_field_is_a_documented_option():
    assert sorted(option.field for option in OPTIONS) == sorted(f.name for f in fields(Settings))
    for option in OPTIONS:
        assert option.description.endswith(".") and option.example.startswith(option.key + " = ")


def test_table_with_every_key(tmp_path):
    source = tmp_path / "pyproject.toml"
    data = {"tool": {"lint_fd": {
        "strict": True, "select": "lfd1, LFD3", "ignore": ["LFD102"], "extend-select": ["LFD104"],
        "extend_ignore": "LFD302", "resource-factories": ["a.b", "c.d:release"],
        "release-functions": ["mylib.io.safe_close"], "keeper_functions": "mylib.cache.register",
        "per-file-ignores": {"tests/*": ["LFD101"], "conftest.py": "LFD1,LFD2"},
    }}}
    assert settings_from_pyproject(data, source=str(source)) == Settings(
        strict=True, select=("LFD1", "LFD3"), ignore=("LFD102",), extend_select=("LFD104",),
        extend_ignore=("LFD302",), resource_factories=("a.b", "c.d:release"),
        release_functions=("mylib.io.safe_close",), keeper_functions=("mylib.cache.register",),
        per_file_ignores=((str(tmp_path / "tests" / "*"), ("LFD101",)), ("conftest.py", ("LFD1", "LFD2"))),
    )


@pytest.mark.parametrize("line, key, message", [
    ("strict = 'yes'", "strict", "must be true or false"),
    ("selct = ['LFD1']", "selct", "unknown key"),
    ("extend-select = ['LFD 1']", "extend-select", "is not a code"),
    ("extend-ignore = 3", "extend-ignore", "must be a list of strings"),
    ("release-functions = ['my lib.close']", "release-functions", "is not a dotted name"),
    ("keeper-functions = [1]", "keeper-functions", "must be a list of strings"),
    ("per-file-ignores = ['tests/*']", "per-file-ignores", "must be a table"),
    ("per-file-ignores = { 'tests/*' = ['not a code'] }", "per-file-ignores", "is not a code"),
    ("per-file-ignores = 'tests/*'", "per-file-ignores", "expected 'glob: codes'"),
])
def test_wrong_key_or_value_is_one_line_naming_key_and_file(tmp_path, line, key, message):
    (tmp_path / "pyproject.toml").write_text(f"[tool.lint_fd]\n{line}\n")
    (tmp_path / "a.py").write_text("x = 1\n")
    proc = subprocess.run([sys.executable, "-m", "lint_fd.cli", "--no-cache", "a.py"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2 and proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert str(tmp_path / "pyproject.toml") in lines[0] and key in lines[0] and message in lines[0]


@pytest.mark.parametrize("flag, value", [
    ("--extend-select", "LFD 1"), ("--release-functions", "a..b"), ("--keeper-functions", "1x"),
    ("--per-file-ignores", "tests/*"), ("--resource-factories", "a b"),
])
def test_wrong_command_line_value_is_a_usage_error(tmp_path, monkeypatch, capsys, flag, value):
    monkeypatch.chdir(tmp_path)
    assert cli.main([flag, value, "."]) == 2
    err = capsys.readouterr().err
    assert f"argument {flag}" in err and "Traceback" not in err


def _run(argv, cwd):
    return subprocess.run([sys.executable, "-m", *argv], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_flake8_unknown_lfd_key_is_one_line_naming_key_and_file(tmp_path):
    (tmp_path / "tox.ini").write_text("[flake8]\nlfd-relase-functions = a.b\nmax-line-length = 100\n")
    (tmp_path / "a.py").write_text(LEAK)
    proc = _run(["flake8", "a.py"], tmp_path)
    assert proc.returncode == 2 and proc.stderr.splitlines() == [
        "flake8: error: ./tox.ini: [flake8]: unknown key 'lfd-relase-functions' "
        "(lint_fd's keys: lfd-strict, lfd-resource-factories, lfd-release-functions, lfd-keeper-functions)"]
    assert _run(["flake8", "--isolated", "a.py"], tmp_path).returncode == 1  # the file is not read


@pytest.mark.parametrize("config, args", [
    ("[flake8]\nlfd-release-functions = 1abc\n", ()),
    ("", ("--lfd-keeper-functions=a-b",)),
    ("[flake8]\nlfd-resource-factories = x.y:\n", ()),
])
def test_flake8_wrong_value_is_one_line(tmp_path, config, args):
    (tmp_path / "setup.cfg").write_text(config)
    (tmp_path / "a.py").write_text(LEAK)
    proc = _run(["flake8", *args, "a.py"], tmp_path)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr + proc.stdout
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("flake8: error: lfd-") and "not a dotted name" in lines[0]


@pytest.mark.parametrize("config, args", [
    ("[tool.pylint.lint-fd-resources]\nlfd-release-functions = ['1abc']\n", ()),
    ("", ("--lfd-per-file-ignores=tests/*",)),
])
def test_pylint_wrong_value_is_one_line(tmp_path, config, args):
    (tmp_path / "pyproject.toml").write_text(config)
    (tmp_path / "a.py").write_text(LEAK)
    proc = _run(["pylint", "--load-plugins=lint_fd", "--persistent=n", *args, "a.py"], tmp_path)
    assert proc.returncode == 32 and "Traceback" not in proc.stderr + proc.stdout
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("pylint: error: lfd-")


# --- --show-settings --------------------------------------------------------------------

def test_show_settings_says_where_each_value_came_from(tmp_path, monkeypatch, capsys):
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent("""
        [tool.lint_fd]
        strict = true
        extend-ignore = ["LFD302"]
        per-file-ignores = { "tests/*" = ["LFD101"] }
    """))
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    assert cli.main(["--show-settings", "--no-strict", "--release-functions", "mylib.io.safe_close"]) == 0
    out = capsys.readouterr().out.splitlines()
    rows = {line.split(" = ")[0]: line for line in out if " = " in line}
    config = str(tmp_path / "pyproject.toml")
    assert rows["strict"].split("#")[0].strip() == "strict = false" and "command line (--strict" in rows["strict"]
    assert '["LFD302"]' in rows["extend-ignore"] and config in rows["extend-ignore"]
    assert f'"{tmp_path / "tests" / "*"}" = ["LFD101"]' in rows["per-file-ignores"]
    assert '["mylib.io.safe_close"]' in rows["release-functions"] and "command line" in rows["release-functions"]
    assert rows["keeper-functions"].endswith("# default")
    assert {option.key for option in OPTIONS} == set(rows)
    assert out[0].startswith("# configuration: ") and config in out[0]


def test_show_settings_isolated(tmp_path, monkeypatch, capsys):
    (tmp_path / "pyproject.toml").write_text("[tool.lint_fd]\nstrict = true\n")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["--show-settings", "--isolated"]) == 0
    out = capsys.readouterr().out
    assert "strict = false" in out and "--isolated" in out.splitlines()[0]


# --- per-file-ignores through the command line ------------------------------------------------

def test_per_file_ignores_apply_after_the_cache(tmp_path, monkeypatch, capsys):
    """Two files with the same bytes share a cache entry; only the matching one loses its finding."""
    monkeypatch.chdir(tmp_path)
    for name in ("src/a.py", "tests/a_test.py"):
        Path(name).parent.mkdir(exist_ok=True)
        Path(name).write_text(LEAK)
    Path("pyproject.toml").write_text('[tool.lint_fd]\nper-file-ignores = { "tests/*" = ["LFD101"] }\n')
    for _ in range(2):  # the second run is served by the cache
        assert cli.main(["--jobs", "1", "-q", "."]) == 1
        out = capsys.readouterr().out.splitlines()
        assert [line.split(":")[0] for line in out] == [os.path.join(".", "src", "a.py")]
