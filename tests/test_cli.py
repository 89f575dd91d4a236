"""The ``lint-fd`` command: output, exit status, options, configuration, cache, jobs.

Most tests run :func:`lint_fd.cli.main` in this process with a fake engine
(``lint_fd.api.analyze`` monkeypatched) so that they do not depend on what
the real engine finds; a few run the installed command end to end.
"""
from __future__ import annotations

import ast
import json
import multiprocessing
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import lint_fd
import lint_fd.api
import lint_fd.runner
from lint_fd import cli
from lint_fd.analysis import engine
from lint_fd.cache import Cache
from lint_fd.config import ConfigError, settings_from_pyproject
from lint_fd.diagnostics import Diagnostic
from lint_fd.settings import Settings

ENGINE_IS_PLACEHOLDER = (engine.__doc__ or "").startswith("Placeholder")
FORK = multiprocessing.get_start_method(allow_none=False) == "fork"

PIL_SNIPPET = "from PIL import Image\ndef f(p):\n    img = Image.open(p)\n    return img.size\n"


# --- a fake engine --------------------------------------------------------------

CALLS: list[str] = []


def fake_analyze(tree, source, settings, **context):
    """LFD101 at every ``X.open(...)``, LFD104 at every ``temp()``, a crash at ``boom()``.

    The message of LFD101 echoes the configured resource factories, so that
    tests can see what settings reached the engine.
    """
    CALLS.append(source)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "open":
            found.append(Diagnostic(node.lineno, node.col_offset, "LFD101",
                                    f"resource not closed [{','.join(settings.resource_factories)}]"))
        elif isinstance(func, ast.Name) and func.id == "temp":
            found.append(Diagnostic(node.lineno, node.col_offset, "LFD104", "temporary resource"))
        elif isinstance(func, ast.Name) and func.id == "boom":
            raise RuntimeError("kaboom")
    return found


@pytest.fixture
def fake_engine(monkeypatch):
    CALLS.clear()
    monkeypatch.setattr(lint_fd.api, "analyze", fake_analyze)
    return CALLS


@pytest.fixture
def project(tmp_path, monkeypatch):
    """An empty project folder as the current directory (the cache lands in it)."""
    root = tmp_path / "proj"
    root.mkdir()
    monkeypatch.chdir(root)
    return root


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def run(capsys, *argv):
    """Run ``lint-fd`` in-process: (exit status, stdout lines, stderr)."""
    status = cli.main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out.splitlines(), captured.err


# --- exit status and output -------------------------------------------------------

def test_clean_tree_exits_0_and_prints_nothing(project, fake_engine, capsys):
    write(project, "pkg/ok.py", "x = 1\n")
    status, out, err = run(capsys, "pkg")
    assert (status, out) == (0, [])
    assert err == "All checks passed.\n"  # the summary line, on stderr (--quiet drops it)
    assert run(capsys, "--quiet", "pkg") == (0, [], "")


def test_findings_exit_1_in_flake8_format_sorted(project, fake_engine, capsys):
    write(project, "b.py", "from PIL import Image\nimg = Image.open(p)\n")
    write(project, "a.py", "import io\n\ndef f(p):\n    return  io.open(p), io.open(p)\n")
    status, out, _ = run(capsys, "--no-cache", ".")
    assert status == 1
    assert out == [
        "./a.py:4:13: LFD101 resource not closed []",
        "./a.py:4:25: LFD101 resource not closed []",
        "./b.py:2:7: LFD101 resource not closed []",
    ]


def test_default_path_is_current_folder(project, fake_engine, capsys):
    write(project, "m.py", "f = io.open(p)\n")
    status, out, _ = run(capsys)
    assert status == 1 and out == ["./m.py:1:5: LFD101 resource not closed []"]


def test_discovery_skips_hidden_and_pycache_and_non_python(project, fake_engine, capsys):
    for name in (".hidden/a.py", "__pycache__/b.py", "pkg/.tox/c.py", "notes.txt", "pkg/script"):
        write(project, name, "f = io.open(p)\n")
    write(project, "pkg/d.py", "f = io.open(p)\n")
    write(project, "pkg/gen/e.py", "f = io.open(p)\n")
    status, out, _ = run(capsys, "--exclude", "gen", ".")
    assert status == 1
    assert [line.split(":")[0] for line in out] == ["./pkg/d.py"]
    # a file named explicitly is checked whatever its name
    status, out, _ = run(capsys, "pkg/script", "pkg/gen/e.py")
    assert [line.split(":")[0] for line in out] == ["pkg/gen/e.py", "pkg/script"]


def test_json_format(project, fake_engine, capsys):
    write(project, "a.py", "f = io.open(p)\n")
    status, out, _ = run(capsys, "--format", "json", "a.py")
    assert status == 1
    assert json.loads("\n".join(out)) == [
        {"path": "a.py", "line": 1, "col": 5, "code": "LFD101", "message": "resource not closed []"}
    ]


def test_github_format(project, fake_engine, capsys):
    write(project, "a.py", "f = io.open(p)\n")
    write(project, "b.py", "def (:\n")
    status, out, _ = run(capsys, "--format", "github", "a.py", "b.py")
    assert status == 1
    assert out[0] == "::warning file=a.py,line=1,col=5::LFD101 resource not closed []"
    assert out[1].startswith("::error file=b.py,line=1,") and "::E999 SyntaxError" in out[1]


def test_syntax_error_is_e999_and_the_run_goes_on(project, fake_engine, capsys):
    write(project, "a_broken.py", "def f(:\n    pass\n")
    write(project, "b_next.py", "f = io.open(p)\n")
    status, out, err = run(capsys, ".")
    assert status == 1
    assert len(out) == 2
    assert out[0].startswith("./a_broken.py:1:") and " E999 SyntaxError" in out[0]
    assert out[1] == "./b_next.py:1:5: LFD101 resource not closed []"
    assert "Traceback" not in err


def test_undecodable_file_is_e999(project, fake_engine, capsys):
    (project / "bad.py").write_bytes(b"x = '\xff\xfe'\n")
    status, out, _ = run(capsys, "bad.py")
    assert status == 1 and " E999 " in out[0]


def test_internal_failure_is_lfd999_exit_2_and_the_run_goes_on(project, fake_engine, capsys):
    write(project, "a.py", "boom()\n")
    write(project, "b.py", "f = io.open(p)\n")
    status, out, err = run(capsys, ".")
    assert status == 2
    assert out[0].startswith("./a.py:1:1: LFD999 ") and "RuntimeError: kaboom" in out[0]
    assert out[1] == "./b.py:1:5: LFD101 resource not closed []"
    assert "Traceback" not in err


def test_failure_outside_the_engine_is_lfd999(project, monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise MemoryError("out of memory")

    monkeypatch.setattr(lint_fd.api, "check_source", broken)
    write(project, "a.py", "x = 1\n")
    status, out, _ = run(capsys, "--no-cache", "a.py")
    assert status == 2 and out[0].startswith("a.py:1:1: LFD999 ")


def test_missing_and_unreadable_files_exit_2_and_the_run_goes_on(project, fake_engine, monkeypatch, capsys):
    write(project, "a.py", "f = io.open(p)\n")
    write(project, "locked.py", "x = 1\n")
    real_open = open

    def guarded_open(path, *args, **kwargs):
        if str(path).endswith("locked.py"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(lint_fd.runner, "open", guarded_open, raising=False)
    for extra in ((), ("--no-cache",)):
        status, out, err = run(capsys, *extra, "missing.py", "a.py", "locked.py")
        assert status == 2
        assert out == ["a.py:1:5: LFD101 resource not closed []"]
        assert err.splitlines() == ["lint-fd: locked.py: cannot read: Permission denied",
                                    "lint-fd: missing.py: No such file or directory",
                                    "Found 1 problem (LFD101: 1) in 1 of 1 file. 2 files could not be read."]


def test_usage_errors_exit_2(project, capsys):
    assert run(capsys, "--bogus")[0] == 2
    assert run(capsys, "--jobs", "-3")[0] == 2
    assert run(capsys, "--format", "xml")[0] == 2


def test_version_and_list_rules(project, capsys):
    status, out, _ = run(capsys, "--version")
    assert status == 0 and out == [f"lint-fd {lint_fd.__version__} (Python {sys.version.split()[0]})"]
    status, out, _ = run(capsys, "--list-rules")
    assert status == 0
    table = {line.split()[0]: line.split() for line in out[1:]}
    assert table["LFD101"][1:4] == ["W8101", "resource-not-closed", "on"]
    assert table["LFD104"][1:4] == ["W8104", "resource-temporary", "off"]
    assert {"LFD102", "LFD103", "LFD201", "LFD202", "LFD301", "LFD302", "LFD999", "E999"} <= set(table)


def test_confirm_subcommand_is_dispatched(monkeypatch, capsys):
    seen = []

    class FakeConfirm:
        @staticmethod
        def main(argv):
            seen.append(argv)
            return 3

    monkeypatch.setitem(sys.modules, "lint_fd.confirm", FakeConfirm)
    monkeypatch.setattr(lint_fd, "confirm", FakeConfirm, raising=False)
    assert cli.main(["confirm", "--rule", "LFD101"]) == 3
    assert seen == [["--rule", "LFD101"]]


# --- selection ----------------------------------------------------------------

def test_select_ignore_and_strict(project, fake_engine, capsys):
    write(project, "a.py", "f = io.open(p)\ntemp()\n")
    assert run(capsys, "a.py")[1] == ["a.py:1:5: LFD101 resource not closed []"]
    assert run(capsys, "--strict", "a.py")[1] == ["a.py:1:5: LFD101 resource not closed []",
                                                   "a.py:2:1: LFD104 temporary resource"]
    assert run(capsys, "--select", "LFD104", "a.py")[1] == ["a.py:2:1: LFD104 temporary resource"]
    assert run(capsys, "--strict", "--ignore", "lfd101", "a.py")[1] == ["a.py:2:1: LFD104 temporary resource"]
    status, out, _ = run(capsys, "--select", "LFD2,LFD3", "a.py")
    assert (status, out) == (0, [])
    assert run(capsys, "--select", "LFD1", "--ignore", "LFD10", "a.py")[1] == []


def test_resource_factories_reach_the_engine(project, fake_engine, capsys):
    write(project, "a.py", "f = io.open(p)\n")
    out = run(capsys, "--resource-factories", "mylib.open_image, other.load", "a.py")[1]
    assert out == ["a.py:1:5: LFD101 resource not closed [mylib.open_image,other.load]"]


# --- configuration -------------------------------------------------------------------

def test_pyproject_configuration_found_upward(project, fake_engine, monkeypatch, capsys):
    write(project, "pyproject.toml", """
        [tool.lint_fd]
        strict = true
        ignore = ["LFD101"]
        resource-factories = ["mylib.open_image"]
    """)
    write(project, "sub/a.py", "f = io.open(p)\ntemp()\n")
    write(project, "sub/pyproject.toml", "[project]\nname = 'sub'\n")  # no table: passed over
    monkeypatch.chdir(project / "sub")
    assert run(capsys, "a.py")[1] == ["a.py:2:1: LFD104 temporary resource"]
    # the command line wins over the file
    assert run(capsys, "--ignore", "", "--no-strict", "a.py")[1] == ["a.py:1:5: LFD101 resource not closed [mylib.open_image]"]
    assert run(capsys, "--isolated", "a.py")[1] == ["a.py:1:5: LFD101 resource not closed []"]


def test_explicit_config_file(project, fake_engine, capsys):
    write(project, "conf/settings.toml", "[tool.lint_fd]\nselect = 'LFD104'\n")
    write(project, "a.py", "f = io.open(p)\ntemp()\n")
    assert run(capsys, "--config", "conf/settings.toml", "a.py")[1] == ["a.py:2:1: LFD104 temporary resource"]


@pytest.mark.parametrize("text, message", [
    ("[tool.lint_fd]\nstrict = 'yes'\n", "strict must be true or false"),
    ("[tool.lint_fd]\nselct = ['LFD1']\n", "unknown key 'selct'"),
    ("[tool.lint_fd]\nselect = [1]\n", "select must be a list of strings"),
    ("[tool.lint_fd\n", "cannot read configuration"),
])
def test_bad_configuration_exits_2(project, capsys, text, message):
    write(project, "pyproject.toml", text)
    write(project, "a.py", "x = 1\n")
    status, out, err = run(capsys, "--config", "pyproject.toml", "a.py")
    assert status == 2 and out == [] and message in err


def test_invalid_pyproject_found_upward_exits_2(project, capsys):
    write(project, "pyproject.toml", "[tool.lint_fd]\nstrict = tru\n")
    write(project, "a.py", "x = 1\n")
    status, out, err = run(capsys, "a.py")
    assert status == 2 and "pyproject.toml: cannot read configuration" in err
    assert run(capsys, "--isolated", "a.py")[0] == 0


def test_settings_from_pyproject():
    data = {"tool": {"lint_fd": {"strict": True, "select": "lfd1, LFD3", "ignore": ["LFD102"],
                                 "resource_factories": ["a.b", "c.d"]}}}
    assert settings_from_pyproject(data) == Settings(strict=True, select=("LFD1", "LFD3"), ignore=("LFD102",),
                                                     resource_factories=("a.b", "c.d"))
    assert settings_from_pyproject({"project": {}}) == Settings()
    with pytest.raises(ConfigError):
        settings_from_pyproject({"tool": {"lint_fd": {"resource-factories": 3}}})


# --- cache -------------------------------------------------------------------------

def test_cache_hits_misses_and_invalidation(project, fake_engine, capsys):
    write(project, "a.py", "f = io.open(p)\n")
    write(project, "b.py", "x = 1\n")
    first = run(capsys, "-v", "--jobs", "1", ".")
    assert first[0] == 1 and "2 files, 0 from cache" in first[2] and len(fake_engine) == 2
    assert (project / ".lint_fd_cache" / "CACHEDIR.TAG").is_file()

    fake_engine.clear()
    second = run(capsys, "-v", "--jobs", "1", ".")
    assert second[:2] == first[:2] and "2 files, 2 from cache" in second[2] and fake_engine == []

    write(project, "b.py", "x = 2\ng = io.open(q)\n")  # a changed file misses
    third = run(capsys, "-v", "--jobs", "1", ".")
    assert "2 files, 1 from cache" in third[2] and fake_engine == ["x = 2\ng = io.open(q)\n"]
    assert third[1] == first[1] + ["./b.py:2:5: LFD101 resource not closed []"]

    fake_engine.clear()  # other settings miss
    assert "2 files, 0 from cache" in run(capsys, "-v", "--jobs", "1", "--strict", ".")[2] and len(fake_engine) == 2
    fake_engine.clear()  # --no-cache reads nothing
    assert "0 from cache" in run(capsys, "-v", "--jobs", "1", "--no-cache", ".")[2] and len(fake_engine) == 2


def test_internal_failures_are_not_cached(project, fake_engine, capsys):
    write(project, "a.py", "boom()\n")
    assert run(capsys, "a.py")[0] == 2
    fake_engine.clear()
    assert run(capsys, "--jobs", "1", "a.py")[0] == 2 and fake_engine == ["boom()\n"]


def test_cache_dir_option_and_corrupt_or_unwritable_cache(project, fake_engine, capsys):
    write(project, "a.py", "f = io.open(p)\n")
    expected = run(capsys, "--no-cache", "a.py")[:2]
    assert run(capsys, "--cache-dir", "c", "a.py")[:2] == expected
    entries = [p for p in (project / "c").rglob("*.json")]
    assert len(entries) == 1 and not (project / ".lint_fd_cache").exists()
    for garbage in (b"{not json", b"[[1, 2]]", b'{"a": 1}', b""):
        entries[0].write_bytes(garbage)
        assert run(capsys, "--cache-dir", "c", "a.py")[:2] == expected
    (project / "blocker").write_text("a file where the cache folder should be")
    status, out, err = run(capsys, "--cache-dir", "blocker/sub", "a.py")
    assert (status, out) == expected and "Traceback" not in err


def test_cache_key_depends_on_content_and_settings(tmp_path):
    a, b = Cache(tmp_path, Settings()), Cache(tmp_path, Settings(strict=True))
    assert a.key(b"x = 1\n") == Cache(tmp_path, Settings()).key(b"x = 1\n")
    assert a.key(b"x = 1\n") != a.key(b"x = 2\n")
    assert a.key(b"x = 1\n") != b.key(b"x = 1\n")
    found = [Diagnostic(3, 10, "LFD101", "m")]
    a.put(a.key(b"x"), found)
    assert a.get(a.key(b"x")) == found and a.get(a.key(b"y")) is None


def test_concurrent_runs_share_one_cache(tmp_path):
    """Runs at the same time on one cache agree, leave no temporary files, and fill it for the next."""
    for i in range(40):
        (tmp_path / f"m{i:02}.py").write_text(PIL_SNIPPET * (1 + i % 3) + ("def (:\n" if i % 10 == 0 else ""))
    command = [sys.executable, "-m", "lint_fd.cli", "--isolated", "--jobs", "2", "--cache-dir", "shared", "-v", "."]
    procs = [subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    outputs = [proc.communicate(timeout=120) for proc in procs]
    assert all(proc.returncode == 1 for proc in procs), outputs
    assert outputs[0][0] == outputs[1][0] == outputs[2][0]
    assert not [p for p in (tmp_path / "shared").rglob("*") if p.name.startswith(".tmp-")]
    again = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert again.stdout == outputs[0][0] and "40 files, 40 from cache" in again.stderr


# --- jobs ---------------------------------------------------------------------------

@pytest.mark.skipif(not FORK, reason="the fake engine reaches worker processes only through fork")
def test_jobs_2_matches_jobs_1_with_fake_engine(project, fake_engine, capsys):
    for i in range(12):
        write(project, f"pkg/m{i:02}.py", "f = io.open(p)\n" * (i % 3) + ("boom()\n" if i == 7 else ""))
    write(project, "pkg/broken.py", "def (:\n")
    one = run(capsys, "--no-cache", "--jobs", "1", "pkg")
    two = run(capsys, "--no-cache", "--jobs", "2", "pkg")
    assert one[:2] == two[:2] and one[0] == 2 and len(one[1]) == 13


@pytest.mark.skipif(not FORK, reason="the crashing fake engine reaches worker processes only through fork")
def test_a_crashed_worker_costs_only_its_file(project, monkeypatch, capsys):
    def crashing(tree, source, settings, **context):
        if "crash()" in source:
            os._exit(3)  # the worker dies as in a segfault: no exception, no result
        return fake_analyze(tree, source, settings)

    monkeypatch.setattr(lint_fd.api, "analyze", crashing)
    for i in range(8):
        write(project, f"m{i}.py", "f = io.open(p)\n" + ("crash()\n" if i == 5 else ""))
    status, out, err = run(capsys, "--jobs", "2", ".")
    assert status == 2 and len(out) == 8
    assert out[5].startswith("./m5.py:1:1: LFD999 ") and "worker process crashed" in out[5]
    assert [line for i, line in enumerate(out) if i != 5] == [f"./m{i}.py:1:5: LFD101 resource not closed []"
                                                              for i in range(8) if i != 5]


def test_jobs_2_matches_jobs_1_end_to_end(tmp_path):
    """The installed command over the fixtures and a few generated files, real engine."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(6):
        (corpus / f"gen{i}.py").write_text(PIL_SNIPPET * (i + 1))
    (corpus / "broken.py").write_text("def f(:\n")
    fixtures = Path(__file__).resolve().parent.parent / "fixtures"
    outputs = []
    for jobs in ("1", "2"):
        proc = subprocess.run([sys.executable, "-m", "lint_fd.cli", "--isolated", "--no-cache", "--jobs", jobs,
                               str(corpus), str(fixtures)], capture_output=True, text=True, cwd=tmp_path)
        assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr
        outputs.append(proc.stdout)
    assert outputs[0] == outputs[1] and "broken.py:1:" in outputs[0]


# --- the real engine, end to end -------------------------------------------------------

@pytest.mark.xfail(ENGINE_IS_PLACEHOLDER, reason="the engine is still a placeholder", strict=True)
def test_real_engine_reports_lfd101_end_to_end(tmp_path):
    (tmp_path / "loader.py").write_text(PIL_SNIPPET)
    proc = subprocess.run([sys.executable, "-m", "lint_fd.cli", "--isolated", "--no-cache", "loader.py"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("loader.py:3:11: LFD101 ")


def test_console_script_runs(tmp_path):
    """The ``lint-fd`` entry point is installed and exits 0 on a clean file."""
    (tmp_path / "ok.py").write_text("x = 1\n")
    exe = Path(sys.executable).with_name("lint-fd")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "lint_fd.cli"]
    proc = subprocess.run([*command, "--isolated", "ok.py"], capture_output=True, text=True, cwd=tmp_path,
                          env={**os.environ, "PYTHONWARNINGS": "error"})
    assert (proc.returncode, proc.stdout) == (0, ""), proc.stderr


def test_ignoring_lfd_never_hides_an_unparseable_file(tmp_path, capsys):
    """E999 and LFD999 say a file was not checked: no --ignore/--select hides them."""
    from lint_fd.cli import main

    broken = tmp_path / "broken.py"
    broken.write_text("def f(:\n")
    assert main(["--no-cache", "--ignore", "LFD,E", str(broken)]) == 1
    assert "E999" in capsys.readouterr().out


def test_lint_fd_is_clean_under_its_own_strict_rules():
    """Dogfood: the project's own code (package, tests, bench) passes lint-fd --strict."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run(
        [sys.executable, "-m", "lint_fd.cli", "--strict", "--no-cache", "--isolated", "lint_fd", "tests", "bench"],
        capture_output=True, text=True, cwd=root, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
