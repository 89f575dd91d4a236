"""One document in, the diagnostics to show out; never raises.

The engine call is the one every front end makes (``api.check_source`` with
the document's path), on the editor's unsaved text. The server is the host
here, so it also applies what flake8 would apply after the engine: the
per-file ignores of the configuration and ``# noqa`` comments.
"""
from __future__ import annotations

import fnmatch
import logging
import os
from pathlib import Path

from ..api import check_source
from ..diagnostics import INTERNAL_ERROR, Diagnostic, make
from ..noqa import filter_noqa
from ..settings import ALWAYS_REPORTED, Settings

log = logging.getLogger(__name__)


def analyse(source: str, path: str | None, settings: Settings, config: Path | None = None) -> list[Diagnostic]:
    """The diagnostics of ``source`` (the text of the file at ``path``), as the editor shows them.

    A document that does not parse gets one E999; any failure in lint_fd is
    logged and becomes one LFD999 on line 1 for this document only.
    """
    try:
        found = check_source(source, path or "<unknown>", settings)
        ignored = per_file_ignored(settings, path, config)
        if ignored:
            found = [d for d in found if d.code in ALWAYS_REPORTED or not d.code.startswith(ignored)]
        return filter_noqa(found, source, ALWAYS_REPORTED)
    except Exception as error:  # the server must keep serving every other document
        log.exception("lint_fd failed on %s", path)
        return [make(INTERNAL_ERROR.code, 1, 0, error=f"{type(error).__name__}: {error}")]


def per_file_ignored(settings: Settings, path: str | None, config: Path | None) -> tuple[str, ...]:
    """Code prefixes that ``per-file-ignores`` turns off for the file at ``path``.

    The server's single call point for per-file ignores. lint_fd.settings is
    gaining the matcher every front end shares (issue 9, item 4); this should
    then delegate to it. Until then: a glob matches the path relative to the
    configuration's folder, the absolute path, or (a glob without ``/``) the
    file name, as flake8 and ruff match them.
    """
    if not settings.per_file_ignores or not path:
        return ()
    absolute = Path(path).resolve()
    names = {absolute.as_posix()}
    if config is not None:
        try:
            names.add(absolute.relative_to(config.parent.resolve()).as_posix())
        except ValueError:
            pass
    codes: list[str] = []
    for glob, prefixes in settings.per_file_ignores:
        pattern = glob.replace(os.sep, "/")
        candidates = names if "/" in pattern else {*names, absolute.name}
        if any(fnmatch.fnmatchcase(name, pattern) for name in candidates):
            codes.extend(prefixes)
    return tuple(codes)
