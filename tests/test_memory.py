"""What an analysis leaves behind: nothing that only the cyclic garbage collector can free.

A module's tree and the facts built on it must go the moment nothing reads them. An
object that refers back to its owner (a walker's statement facts, the helper summaries
that are the analysis' own bound methods) would keep each analysed tree alive until a
full collection, and every full collection walks all that is alive: ``lint-fd`` runs
would pay for it on every file.
"""
from __future__ import annotations

import gc
from pathlib import Path

import pytest

from lint_fd.analysis import project
from lint_fd.analysis.project import VIEW
from lint_fd.api import check_source
from lint_fd.collector import BATCH_THRESHOLDS, pace_for_batch

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def cyclic_garbage_left_by(check) -> int:
    """How many objects ``check()`` leaves that reference counting cannot free."""
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        check()
        return gc.collect()
    finally:
        if was_enabled:
            gc.enable()


@pytest.mark.parametrize("path", sorted(FIXTURES.rglob("*.py")), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_checking_a_fixture_leaves_no_cyclic_garbage(path):
    source = path.read_bytes()
    check_source(source, str(path))  # the project view's per-process memo is filled once, outside the count
    assert cyclic_garbage_left_by(lambda: check_source(source, str(path))) == 0


def test_analyses_of_project_modules_let_go_by_the_view_leave_no_cyclic_garbage(tmp_path, monkeypatch):
    # with room for one live analysis, reading the second helper module pushes the first out
    monkeypatch.setattr(project, "LIVE_ANALYSES", 1)
    (tmp_path / "pyproject.toml").write_text("")
    for name in ("pictures", "texts"):
        (tmp_path / f"{name}.py").write_text(
            f"def open_{name}(path):\n    handle = open(path)\n    return handle\n")
    user = tmp_path / "user.py"
    user.write_text("from pictures import open_pictures\nfrom texts import open_texts\n\n\n"
                    "def first_lines(path):\n    a = open_pictures(path)\n    b = open_texts(path)\n"
                    "    return a.readline(), b.readline()\n")
    VIEW.clear()
    try:
        found = []
        assert cyclic_garbage_left_by(lambda: found.extend(check_source(user.read_bytes(), str(user)))) == 0
        assert [d.code for d in found] == ["LFD101", "LFD101"]  # both helpers were read as factories
        assert len(VIEW._live) == 1
    finally:
        VIEW.clear()


def test_a_batch_run_collects_less_often_but_keeps_a_slower_pace_it_finds():
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        pace_for_batch()
        assert gc.get_threshold() == BATCH_THRESHOLDS
        gc.set_threshold(100_000, 10, 10)
        pace_for_batch()
        assert gc.get_threshold() == (100_000, 10, 10)
    finally:
        gc.set_threshold(*before)
