"""One document in, the diagnostics to show out; never raises.

The engine call is the one every front end makes (``api.check_source`` with
the document's path), on the editor's unsaved text. The server is the host
here, so it also applies what flake8 (and ``lint-fd``) apply after the
engine: the configuration's ``per-file-ignores`` and ``# noqa`` comments.
"""
from __future__ import annotations

import logging

from ..api import check_source
from ..diagnostics import INTERNAL_ERROR, Diagnostic, make
from ..noqa import apply_noqa
from ..settings import Settings, drop_per_file_ignored

log = logging.getLogger(__name__)


def analyse(source: str, path: str | None, settings: Settings) -> list[Diagnostic]:
    """The diagnostics of ``source`` (the text of the file at ``path``), as the editor shows them.

    A document that does not parse gets one E999; any failure in lint_fd is
    logged and becomes one LFD999 on line 1 for this document only.
    """
    try:
        found = check_source(source, path or "<unknown>", settings)
        if path:
            found = drop_per_file_ignored(found, path, settings)
        return apply_noqa(found, source)
    except Exception as error:  # the server must keep serving every other document
        log.exception("lint_fd failed on %s", path)
        return [make(INTERNAL_ERROR.code, 1, 0, error=f"{type(error).__name__}: {error}")]
