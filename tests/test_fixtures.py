"""The fixture harness: every fixture, through every door, exactly as annotated.

A fixture is a valid Python file under ``fixtures/article/``, ``fixtures/rules/`` or ``fixtures/realistic/``.
A line whose comment ends with ``# expect: LFD101`` (or ``# expect: LFD101, LFD301``)
must be reported with exactly those codes; every other line must stay silent.
Fixtures run in strict mode (LFD104 on) through three doors:

* flake8, in-process (``--isolated --select=LFD,E999 --lfd-strict``);
* pylint, in-process (``--load-plugins=lint_fd --disable=all --enable=<our symbols>
  --lfd-strict=y``), symbols mapped back to codes through ``RULES``;
* the ``lint-fd`` command in a subprocess (``lint_fd.cli.main``, which the console
  script calls: ``--strict --no-cache --isolated``).

Each door runs once over all fixtures (cached for the session); the per-file
tests compare its findings for one file. Comparison is on sets of (line, code)
pairs: columns are each host's business. Suppression comments belong to the
hosts (flake8 reads ``# noqa``, pylint ``# pylint: disable``), so fixtures do not
use them; suppression has its own tests below.

The self-tests replace the engine with a fake one (``# fake: CODE`` comments) to
show the adapters and the harness work whatever the real engine finds.
"""
from __future__ import annotations

import functools
import inspect
import io
import re
import subprocess
import sys
import textwrap
import tokenize
from collections import defaultdict
from pathlib import Path

import pytest

import lint_fd.api
from lint_fd.diagnostics import RULES, Diagnostic

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_DIRS = (
    ROOT / "fixtures" / "article", ROOT / "fixtures" / "rules", ROOT / "fixtures" / "realistic",
    ROOT / "fixtures" / "ownership",
)
#: a two-module project (pyproject.toml marks its root): linted with its real paths so that
#: the engine's project view resolves its imports the same way in every door
PROJECT_FIXTURE = ROOT / "fixtures" / "project"
FIXTURES = sorted(
    [path for folder in FIXTURE_DIRS for path in folder.glob("*.py")] + list(PROJECT_FIXTURE.rglob("*.py"))
)
DOORS = ("flake8", "pylint", "cli")
SYMBOL_TO_CODE = {info.symbol: code for code, info in RULES.items()} | {"syntax-error": "E999"}
EXPECT = re.compile(r"expect:\s*([A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*)\s*$")
CLI_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]+[0-9]+)\b")

Findings = set[tuple[int, str]]


# ----------------------------------------------------------------------------- expectations


def parse_expectations(source: str) -> Findings:
    """(line, code) pairs announced by ``# expect:`` comments (real comments only, not strings)."""
    expected: Findings = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT and (match := EXPECT.search(token.string)):
            expected |= {(token.start[0], code.strip()) for code in match.group(1).split(",")}
    return expected


def describe(path: Path, door: str, expected: Findings, actual: Findings) -> str:
    """A readable account of the difference, with the source line of each finding."""
    lines = path.read_text(encoding="utf-8").splitlines()

    def show(pairs):
        return "".join(
            f"\n    line {line}: {code:7} | {lines[line - 1].strip() if 0 < line <= len(lines) else ''}"
            for line, code in sorted(pairs)
        )

    report = f"{door} on {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}:"
    if missing := expected - actual:
        report += "\n  missing (expected, not reported):" + show(missing)
    if unexpected := actual - expected:
        report += "\n  unexpected (reported, not expected):" + show(unexpected)
    return report


# ----------------------------------------------------------------------------- the doors


def run_flake8(paths: list[Path], args: tuple[str, ...] = ()) -> dict[Path, Findings]:
    """flake8 in-process, as its command line would run (options, plugins, noqa, select)."""
    from flake8.formatting.base import BaseFormatter
    from flake8.main.application import Application
    from flake8.options.parse_args import parse_args

    found: dict[Path, Findings] = defaultdict(set)

    class Collector(BaseFormatter):
        def handle(self, error):
            found[Path(error.filename).resolve()].add((error.line_number, error.code))

        def start(self):
            pass

        def stop(self):
            pass

    argv = ["--isolated", "--jobs=1", *args, *map(str, paths)]
    app = Application()
    app.plugins, app.options = parse_args(argv)
    app.formatter = Collector(app.options)
    app.make_guide()
    app.make_file_checker_manager(argv)
    app.run_checks()
    app.report_errors()
    assert not app.catastrophic_failure, "flake8 failed catastrophically"
    return found


@functools.cache
def _empty_rcfile() -> str:
    """An empty pylintrc, so that no user or project configuration leaks into the runs."""
    import atexit
    import os
    import tempfile

    handle = tempfile.NamedTemporaryFile("w", suffix=".pylintrc", delete=False)
    handle.close()
    atexit.register(os.unlink, handle.name)
    return handle.name


def run_pylint(paths: list[Path], args: tuple[str, ...] = ()) -> dict[Path, Findings]:
    """pylint in-process with only lint_fd's messages (plus pylint's own fatal ones)."""
    from pylint.lint import Run
    from pylint.reporters import CollectingReporter

    found: dict[Path, Findings] = defaultdict(set)
    # pylint caches modules by name: files with the same stem go to separate runs.
    batches: list[list[Path]] = []
    for path in paths:
        batch = next((b for b in batches if all(p.stem != path.stem for p in b)), None)
        if batch is None:
            batches.append(batch := [])
        batch.append(path)
    for batch in batches:
        reporter = CollectingReporter()
        argv = [
            f"--rcfile={_empty_rcfile()}", "--load-plugins=lint_fd", "--persistent=n",
            "--clear-cache-post-run=y", "--jobs=1", "--score=n", *args, *map(str, batch),
        ]
        Run(argv, reporter=reporter, exit=False)
        for message in reporter.messages:
            code = SYMBOL_TO_CODE.get(message.symbol, f"pylint:{message.symbol}")
            found[Path(message.abspath).resolve()].add((message.line, code))
    return found


CLI_LAUNCHER = "import sys\nfrom lint_fd.cli import main\nsys.exit(main(sys.argv[1:]))\n"


def run_cli(paths: list[Path], args: tuple[str, ...] = (), prelude: str = "") -> dict[Path, Findings]:
    """The lint-fd command (``lint_fd.cli.main``, what the console script calls) in a subprocess.

    Its text output is ``path:line:col: CODE message``; ``prelude`` is Python run first (self-tests).
    """
    result = subprocess.run(
        [sys.executable, "-c", prelude + CLI_LAUNCHER, *args, *map(str, paths)],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )
    found: dict[Path, Findings] = defaultdict(set)
    for line in result.stdout.splitlines():
        if match := CLI_LINE.match(line):
            found[(ROOT / match["path"]).resolve()].add((int(match["line"]), match["code"]))
    # 0: clean, 1: findings, 2: LFD999 (printed as a finding, so the comparison shows it)
    assert result.returncode in (0, 1) or (result.returncode == 2 and found), (
        f"lint-fd exited {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    )
    return found


STRICT_ARGS = {
    "flake8": ("--select=LFD,E999", "--lfd-strict"),
    "pylint": ("--disable=all", f"--enable={','.join(SYMBOL_TO_CODE)}", "--lfd-strict=y"),
    "cli": ("--strict", "--no-cache", "--isolated"),
}
RUNNERS = {"flake8": run_flake8, "pylint": run_pylint, "cli": run_cli}


def run_door(door: str, paths: list[Path], args: tuple[str, ...] | None = None) -> dict[Path, Findings]:
    return RUNNERS[door](paths, STRICT_ARGS[door] if args is None else args)


@functools.cache
def fixture_results(door: str) -> dict[Path, Findings]:
    """One run of the door over every fixture, shared by the per-file tests."""
    return run_door(door, FIXTURES)


# ----------------------------------------------------------------------------- the fixture tests


def _fixture_id(path: Path) -> str:
    return str(path.relative_to(ROOT / "fixtures"))


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("fixture", FIXTURES, ids=_fixture_id)
def test_fixture(fixture: Path, door: str):
    expected = parse_expectations(fixture.read_text(encoding="utf-8"))
    actual = fixture_results(door).get(fixture.resolve(), set())
    if actual != expected:
        pytest.fail(describe(fixture, door, expected, actual), pytrace=False)


@pytest.mark.parametrize("fixture", FIXTURES, ids=_fixture_id)
def test_doors_agree(fixture: Path):
    results = {door: fixture_results(door).get(fixture.resolve(), set()) for door in DOORS}
    reference = results["flake8"]
    differences = [
        describe(fixture, f"{door} vs flake8", reference, found)
        for door, found in results.items()
        if found != reference
    ]
    if differences:
        pytest.fail("\n".join(differences), pytrace=False)


def test_fixture_folders_are_known():
    """Every fixture file lives where the harness looks (no silently skipped folders)."""
    fix_pairs = ROOT / "fixtures" / "fix"  # before/after pairs of the fixer, checked by tests/test_fix.py
    stray = [
        p for p in (ROOT / "fixtures").rglob("*.py")
        if p.parent not in FIXTURE_DIRS and p.parent != fix_pairs and not p.is_relative_to(PROJECT_FIXTURE)
    ]
    assert not stray, f"fixtures outside {[str(d) for d in FIXTURE_DIRS]}: {stray}"


# ----------------------------------------------------------------------------- the harness itself


def fake_analyze(tree, source, settings, **context):
    """A fake engine: a ``# fake: CODE`` comment makes it report CODE on that line."""
    if "# fake: crash" in source:
        raise RuntimeError("fake engine crash")
    found = []
    for number, text in enumerate(source.splitlines(), 1):
        if match := re.search(r"# fake: (LFD\d+(?:, *LFD\d+)*)", text):
            found += [Diagnostic(number, 4, code.strip(), f"fake {code.strip()}") for code in match[1].split(",")]
    return found


# the same fake, for a subprocess (the CLI door)
FAKE_ENGINE = (
    "import re\nfrom lint_fd.diagnostics import Diagnostic\n" + inspect.getsource(fake_analyze)
    + "import lint_fd.api, lint_fd.analysis.engine\n"
    + "lint_fd.api.analyze = lint_fd.analysis.engine.analyze = fake_analyze\n"
)


@pytest.fixture
def fake_engine(monkeypatch):
    """Replace the engine in this process: shows the adapters and the harness work on their own."""
    monkeypatch.setattr(lint_fd.api, "analyze", fake_analyze)


def run_fake(door: str, paths: list[Path]) -> dict[Path, Findings]:
    """A door in strict mode over the fake engine (in-process doors need the ``fake_engine`` fixture)."""
    if door == "cli":
        return run_cli(paths, (*STRICT_ARGS["cli"], "--jobs=1"), prelude=FAKE_ENGINE)
    return run_door(door, paths)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


SELF_TEST = '''\
def f(p):
    a = 1  # fake: LFD101  # expect: LFD101
    b = 2  # fake: LFD104, LFD301  # expect: LFD104, LFD301
    c = "# expect: LFD999"  # strings are not comments
    d = 3  # fake: LFD201  # expect: LFD201
    return a, b, c, d  # fake: LFD302  # expect: LFD302
'''


def test_parse_expectations():
    assert parse_expectations(SELF_TEST) == {(2, "LFD101"), (3, "LFD104"), (3, "LFD301"), (5, "LFD201"), (6, "LFD302")}


@pytest.mark.parametrize("door", DOORS)
def test_harness_with_fake_engine(tmp_path, fake_engine, door):
    path = write(tmp_path, f"selftest_{door}.py", SELF_TEST)
    actual = run_fake(door, [path]).get(path.resolve(), set())
    assert actual == parse_expectations(SELF_TEST), describe(path, door, parse_expectations(SELF_TEST), actual)


def test_harness_reports_differences_readably(tmp_path):
    path = write(tmp_path, "diff.py", "x = 1\ny = 2  # expect: LFD101\n")
    text = describe(path, "flake8", {(2, "LFD101")}, {(1, "LFD104")})
    assert "missing (expected, not reported):\n    line 2: LFD101  | y = 2" in text
    assert "unexpected (reported, not expected):\n    line 1: LFD104  | x = 1" in text


@pytest.mark.parametrize("door", DOORS)
def test_internal_error_is_reported_not_raised(tmp_path, fake_engine, door):
    path = write(tmp_path, f"crash_{door}.py", "x = 1\ny = 2  # fake: crash\n")
    assert run_fake(door, [path]).get(path.resolve()) == {(1, "LFD999")}


# ----------------------------------------------------------------------------- options and suppression

TEMPORARY = "def load(p):\n    data = open(p).read()\n    return data\n"
PYLINT_OURS = ("--disable=all", f"--enable={','.join(s for s in SYMBOL_TO_CODE if s != 'resource-temporary')}")
LFD104_OFF = {"flake8": ("--select=LFD",), "pylint": PYLINT_OURS}
LFD104_ON = {
    "flake8-strict": ("flake8", ("--select=LFD", "--lfd-strict")),
    "flake8-select": ("flake8", ("--select=LFD104",)),
    "flake8-extend-select": ("flake8", ("--extend-select=LFD104",)),
    "pylint-strict": ("pylint", (*PYLINT_OURS, "--lfd-strict=y")),
    "pylint-enable": ("pylint", ("--disable=all", "--enable=resource-temporary")),
}


@pytest.mark.parametrize("door", LFD104_OFF)
@pytest.mark.parametrize("engine", ["fake", "real"])
def test_lfd104_is_off_by_default(tmp_path, request, door, engine):
    if engine == "fake":
        request.getfixturevalue("fake_engine")
    path = write(tmp_path, f"temporary_off_{door}_{engine}.py", TEMPORARY.replace(".read()", ".read()  # fake: LFD104"))
    found = run_door(door, [path], LFD104_OFF[door]).get(path.resolve(), set())
    assert (2, "LFD104") not in found


@pytest.mark.parametrize("switch", LFD104_ON)
@pytest.mark.parametrize("engine", ["fake", "real"])
def test_lfd104_strict_or_selected_turns_it_on(tmp_path, request, switch, engine):
    door, args = LFD104_ON[switch]
    if engine == "fake":
        request.getfixturevalue("fake_engine")
    path = write(tmp_path, f"temporary_on_{door}_{engine}.py", TEMPORARY.replace(".read()", ".read()  # fake: LFD104"))
    found = run_door(door, [path], args).get(path.resolve(), set())
    assert (2, "LFD104") in found, f"{door} {args}: {found}"


SUPPRESSED = '''\
from PIL import Image


def kept(p):
    img = Image.open(p){fake}
    return img.size


def flake8_silenced(p):
    img = Image.open(p)  # noqa: LFD101{fake}
    return img.size


def pylint_silenced(p):
    img = Image.open(p)  # pylint: disable=resource-not-closed{fake}
    return img.size
'''


@pytest.mark.parametrize("door", ["flake8", "pylint"])
@pytest.mark.parametrize("engine", ["fake", "real"])
def test_suppression_comments(tmp_path, request, door, engine):
    if engine == "fake":
        request.getfixturevalue("fake_engine")
    path = write(tmp_path, f"suppressed_{door}_{engine}.py", SUPPRESSED.format(fake="  # fake: LFD101"))
    found = run_door(door, [path]).get(path.resolve(), set())
    silenced = 10 if door == "flake8" else 15
    assert (5, "LFD101") in found, found
    assert (silenced, "LFD101") not in found, found


# ----------------------------------------------------------------------------- no heavy imports

HEAVY = ("PIL", "tensorflow", "keras", "torch")
IMPORT_PROBE = '''
import sys
from flake8.main.application import Application
from pylint.lint import Run
from pylint.reporters import CollectingReporter

path = sys.argv[1]
app = Application()
app.run(["--isolated", "--select=LFD", "--lfd-strict", path])
Run(["--load-plugins=lint_fd", "--disable=all", "--enable=resource-not-closed,keras-iterator-close",
     "--lfd-strict=y", "--persistent=n", path], reporter=CollectingReporter(), exit=False)
assert "lint_fd.pylint_plugin" in sys.modules and "lint_fd.flake8_plugin" in sys.modules
print("HEAVY:" + " ".join(sorted(name for name in {heavy} if name in sys.modules)))
'''


def test_front_ends_do_not_import_pil_or_tensorflow(tmp_path):
    path = write(tmp_path, "heavy.py", """\
        from PIL import Image
        import tensorflow as tf
        from tensorflow.keras.preprocessing.image import ImageDataGenerator

        it = ImageDataGenerator().flow_from_directory("data")
        img = Image.open("x.png")
        it.close()
    """)
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_PROBE.format(heavy=HEAVY), str(path)],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    imported = [line for line in result.stdout.splitlines() if line.startswith("HEAVY:")]
    assert imported == ["HEAVY:"], f"the front-ends imported heavy libraries: {imported}"
