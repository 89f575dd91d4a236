"""Fixes: rewrite the findings lint_fd can fix safely (``lint-fd --fix``, the editor's quick fix).

Public interface (the CLI and the language server call only these):

* :func:`fix_source` ``(source, settings, filename=None, unsafe=False, select=None) -> FixOutcome``
  (``source``, ``fixed``, ``remaining``): every safe fix, a few rounds until nothing changes;
* :func:`fix_for_diagnostic` ``(source, diagnostic, settings, filename=None, unsafe=False) -> str | None``:
  the whole new text fixing that one finding, or None;
* :func:`fix_kind` / :func:`fixable` / :data:`FIXES` (``safe``, ``unsafe``, ``none`` per code).

Each fix is built from the engine's facts for its finding (:mod:`.facts`),
applied with libcst (:mod:`.rewrite`) so comments and formatting are kept,
and kept only if the result compiles and re-lints with its findings gone and
nothing new. libcst is imported only when a fix is asked for.
"""
from __future__ import annotations

from .kinds import FIXES, NONE, SAFE, UNSAFE, describe, fix_kind, fixable

__all__ = ["FIXES", "NONE", "SAFE", "UNSAFE", "describe", "fix_kind", "fixable", "fix_source",
           "fix_for_diagnostic", "FixOutcome"]


def fix_source(source, settings=None, filename=None, unsafe=False, select=None):
    """See :func:`lint_fd.fix.driver.fix_source`."""
    from .driver import fix_source as run

    return run(source, settings, filename, unsafe, select)


def fix_for_diagnostic(source, diagnostic, settings=None, filename=None, unsafe=False):
    """See :func:`lint_fd.fix.driver.fix_for_diagnostic`."""
    from .driver import fix_for_diagnostic as run

    return run(source, diagnostic, settings, filename, unsafe)


def __getattr__(name):
    if name == "FixOutcome":
        from .driver import FixOutcome

        return FixOutcome
    raise AttributeError(name)
