"""The one call every front-end makes: source or tree in, diagnostics out.

Nothing here imports the analysed code, TensorFlow or Pillow. Internal
failures never escape: they become one LFD999 diagnostic on line 1.

``filename``: the path of the file the source was read from. With it, the
engine consults the project's other modules that the file imports (see
:mod:`lint_fd.analysis.project`); without it (None, or no such file) the file
is analysed alone. Every front end passes it, so every front end agrees.
"""
from __future__ import annotations

import ast
import warnings

from . import rules  # noqa: F401  (registers every rule)
from .analysis.engine import analyze
from .diagnostics import INTERNAL_ERROR, SYNTAX_ERROR_CODE, Diagnostic, make
from .settings import Settings
from .source import decode


def check_tree(tree: ast.AST, source: str, settings: Settings | None = None, *, filename: str | None = None,
               dependencies: dict | None = None) -> list[Diagnostic]:
    """Analyse an already parsed module (flake8 hands us its tree).

    ``dependencies``, if given, receives ``{path: sha256}`` of the project modules
    whose facts the result depends on (the ``lint-fd`` cache checks them)."""
    settings = settings or Settings()
    try:
        context = {} if filename is None else {"filename": filename, "dependencies": dependencies}
        found = analyze(tree, source, settings, **context)
    except Exception as error:  # a bug in lint_fd (RecursionError included) must not stop the host tool
        found = [make(INTERNAL_ERROR.code, 1, 0, error=f"{type(error).__name__}: {error}")]
    return sorted(d for d in found if settings.enabled(d.code))


def parse(source: str | bytes, filename: str = "<unknown>") -> ast.Module:
    """``ast.parse`` without SyntaxWarnings leaking to the user's terminal."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(source, filename=filename)


def check_source(source: str | bytes, filename: str | None = None, settings: Settings | None = None, *,
                 dependencies: dict | None = None) -> list[Diagnostic]:
    """Parse and analyse; a file that does not parse gets one E999 diagnostic.

    ``filename`` names the file (messages, and the project view when it is a real file)."""
    try:
        tree = parse(source, filename or "<unknown>")
    except (SyntaxError, ValueError, MemoryError, RecursionError) as error:
        line = getattr(error, "lineno", None) or 1
        col = max((getattr(error, "offset", None) or 1) - 1, 0)
        message = f"{type(error).__name__}: {getattr(error, 'msg', None) or error}"
        return [Diagnostic(line, col, SYNTAX_ERROR_CODE, message)]
    if isinstance(source, bytes):
        source = decode_source(source)
    return check_tree(tree, source, settings, filename=filename, dependencies=dependencies)


def decode_source(data: bytes) -> str:
    """Decode bytes the way Python does (BOM, coding cookie), never failing."""
    return decode(data)
