"""The settings of one open document: the workspace's pyproject.toml, then the editor's.

Precedence, lowest first: lint_fd's defaults, ``[tool.lint_fd]`` of the
nearest pyproject.toml that has the table (searched upward from the
document's folder, as ``lint-fd`` searches from the current folder), then the
editor's ``initializationOptions`` (the same keys as ``[tool.lint_fd]``;
``per-file-ignores`` globs with a folder part are relative to the workspace
root), the way command-line options win over the file for ``lint-fd``.

pyproject.toml is re-read when it changes: every lookup re-stats each
``pyproject.toml`` on the way up (a few ``stat`` calls, microseconds), so an
edited, created or deleted file is seen on the next analysis even when the
editor does not report file changes; ``forget()`` drops everything when it
does (``workspace/didChangeWatchedFiles``).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..config import ConfigError, load_settings, settings_from_table
from ..settings import Settings

EDITOR_SOURCE = "initializationOptions"


@dataclass(frozen=True)
class Resolved:
    """Settings for a document, and the pyproject.toml they came from (if any)."""

    settings: Settings
    config: Path | None


def _stamp(folder: Path) -> tuple:
    """What changes when any pyproject.toml from ``folder`` up is edited, created or removed."""
    marks = []
    for candidate in (folder, *folder.parents):
        try:
            stat = os.stat(candidate / "pyproject.toml")
        except OSError:
            continue
        marks.append((str(candidate), stat.st_mtime_ns, stat.st_size))
    return tuple(marks)


class SettingsResolver:
    """Settings per folder, from pyproject.toml (re-read on change) and the editor's options.

    ``report`` receives a one-line message when a configuration cannot be
    used; the document is then checked with what remains (defaults, or the
    editor's options), never not at all. Each distinct message is reported once.
    """

    def __init__(self, editor_options: Any = None, report: Callable[[str], None] = lambda message: None,
                 root: str | Path = "."):
        self._report = report
        self._root = Path(root)
        self._reported: set[str] = set()
        self._cache: dict[Path, tuple[tuple, Resolved]] = {}
        self.editor_table: dict[str, Any] = {}
        if editor_options:
            try:
                settings_from_table(editor_options, source=EDITOR_SOURCE, parent=self._root)  # validate up front
                self.editor_table = dict(editor_options)
            except ConfigError as error:
                self._once(f"lint_fd: {error}; the editor's settings are ignored")

    def forget(self) -> None:
        """Drop every cached configuration (a pyproject.toml changed)."""
        self._cache.clear()

    def resolve(self, folder: str | Path) -> Resolved:
        """Settings for a document in ``folder``."""
        folder = Path(folder).resolve()
        stamp = _stamp(folder)
        cached = self._cache.get(folder)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        try:
            base, config = load_settings(folder)
        except ConfigError as error:
            self._once(f"lint_fd: {error}; checking with the default settings")
            base, config = Settings(), None
        settings = (settings_from_table(self.editor_table, base, EDITOR_SOURCE, self._root)
                    if self.editor_table else base)
        resolved = Resolved(settings, config)
        self._cache[folder] = (stamp, resolved)
        return resolved

    def _once(self, message: str) -> None:
        if message not in self._reported:
            self._reported.add(message)
            self._report(message)
