"""The project view: facts of the project's other modules reach their call sites, the same
way through every door, without importing anything; broken modules contribute nothing."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from lint_fd.analysis.project import VIEW, ProjectView
from lint_fd.api import check_source
from lint_fd.cache import Cache
from lint_fd.runner import lint_paths
from lint_fd.settings import Settings
from test_fixtures import DOORS, PROJECT_FIXTURE, parse_expectations, run_door

PIPELINE = PROJECT_FIXTURE / "shelf" / "pipeline.py"


@pytest.fixture(autouse=True)
def fresh_view():
    VIEW.clear()
    yield
    VIEW.clear()


def test_the_doors_agree_on_the_two_module_project():
    files = sorted(PROJECT_FIXTURE.rglob("*.py"))
    results = {door: run_door(door, files) for door in DOORS}
    expected = parse_expectations(PIPELINE.read_text(encoding="utf-8"))
    for door in DOORS:
        assert results[door].get(PIPELINE.resolve(), set()) == expected, door
    assert results["flake8"] == results["pylint"] == results["cli"]


def test_the_findings_come_from_the_other_module():
    source = PIPELINE.read_text(encoding="utf-8")
    with_view = {(d.line, d.code) for d in check_source(source, str(PIPELINE), Settings(strict=True))}
    alone = {(d.line, d.code) for d in check_source(source, settings=Settings(strict=True))}
    assert with_view == parse_expectations(source)
    assert (9, "LFD103") in with_view and (9, "LFD103") not in alone  # open_picture is a factory there
    assert (63, "LFD302") in with_view and (63, "LFD302") not in alone  # lines() holds a file across its yields


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


USER = """
    from .helpers import load


    def sizes(paths):
        pictures = [load(p) for p in paths]
        return [p.size for p in pictures]
"""
HELPERS = """
    from PIL import Image


    def load(path):
        return Image.open(path)
"""


def codes(path: Path) -> list[tuple[int, str]]:
    return [(d.line, d.code) for d in check_source(path.read_text(), str(path), Settings())]


def test_relative_import_is_resolved(tmp_path):
    write(tmp_path, "pkg/__init__.py", "")
    write(tmp_path, "pkg/helpers.py", HELPERS)
    user = write(tmp_path, "pkg/user.py", USER)
    assert codes(user) == [(6, "LFD103")]


def test_absolute_import_resolves_only_under_the_project_root(tmp_path):
    write(tmp_path, "pkg/__init__.py", "")
    write(tmp_path, "pkg/helpers.py", HELPERS)
    user = write(tmp_path, "pkg/user.py", USER.replace("from .helpers", "from pkg.helpers"))
    assert codes(user) == []  # no pyproject.toml, setup.cfg, setup.py or .git: no root
    write(tmp_path, "setup.cfg", "")
    VIEW.clear()
    assert codes(user) == [(6, "LFD103")]


def test_a_module_that_does_not_parse_contributes_nothing(tmp_path):
    write(tmp_path, "pkg/__init__.py", "")
    write(tmp_path, "pkg/helpers.py", HELPERS + "\ndef broken(:\n")
    user = write(tmp_path, "pkg/user.py", USER)
    assert codes(user) == []


def test_an_import_cycle_ends(tmp_path):
    write(tmp_path, "pkg/__init__.py", "")
    write(tmp_path, "pkg/a.py", "from .b import load_b\n\ndef load_a(p):\n    return load_b(p)\n")
    write(tmp_path, "pkg/b.py", "from .a import load_a\n\ndef load_b(p):\n    return load_a(open(p))\n")
    user = write(tmp_path, "pkg/user.py", "from .a import load_a\n\ndef f(p):\n    return load_a(p).read()\n")
    assert codes(user) == []


def test_the_cache_notices_a_changed_dependency(tmp_path):
    write(tmp_path, "pkg/__init__.py", "")
    helpers = write(tmp_path, "pkg/helpers.py", HELPERS)
    user = write(tmp_path, "pkg/user.py", USER)
    cache = Cache(tmp_path / "cache", Settings())
    first = lint_paths([str(user)], Settings(), cache=cache)
    assert [(d.line, d.code) for d in first[0].diagnostics] == [(6, "LFD103")]
    assert lint_paths([str(user)], Settings(), cache=cache)[0].cached
    helpers.write_text(textwrap.dedent(HELPERS).replace("return Image.open(path)", "return path"))
    VIEW.clear()
    again = lint_paths([str(user)], Settings(), cache=cache)[0]
    assert not again.cached and again.diagnostics == []


def test_root_and_resolution(tmp_path):
    view = ProjectView()
    write(tmp_path, "proj/.git/HEAD", "")
    module = write(tmp_path, "proj/src/pkg/mod.py", "")
    write(tmp_path, "proj/src/pkg/__init__.py", "")
    importer = str(tmp_path / "proj/src/pkg/other.py")
    root = view.root_of(str(tmp_path / "proj/src/pkg"))
    assert root == str(tmp_path / "proj")
    assert view.resolve(importer, "pkg.mod", 0, root) == str(module)  # src layout
    assert view.resolve(importer, "mod", 1, None) == str(module)
    assert view.resolve(importer, None, 1, None) == str(tmp_path / "proj/src/pkg/__init__.py")
    assert view.resolve(importer, "numpy", 0, root) is None


def test_a_function_whose_only_open_is_in_its_docstring_or_comments_is_not_parsed(tmp_path):
    """The text test before a parse reads code, not prose: ``open`` in a docstring, a comment
    or a string literal cannot make a factory, so that module is never parsed for it; a real
    ``open`` call (even after a string holding ``#`` on the same line) still is a factory."""
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "io.py").write_text(textwrap.dedent('''\
        def describe(path):
            """Reads nothing: callers open(path) themselves."""
            # not open(path) either
            return "open(" + str(path)


        def load(path):
            mode = "r#"; return open(path, mode)
    '''))
    main = tmp_path / "pkg" / "main.py"
    main.write_text(textwrap.dedent('''\
        from .io import describe, load


        def run(p):
            describe(p)
            f = load(p)  # expect: LFD101
            f = None
    '''))
    view = ProjectView()
    summary = view.summary(str(tmp_path / "pkg" / "io.py"), Settings(strict=True), 0)
    assert summary.may_create("describe") is False
    assert summary.may_create("load") is True
    found = {(d.line, d.code) for d in check_source(main.read_text(), str(main), Settings(strict=True))}
    assert found == parse_expectations(main.read_text())
