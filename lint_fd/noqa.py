"""``# noqa`` comments, read the way flake8 reads them.

flake8 applies ``# noqa`` itself and pylint has its own pragmas; the
``lint-fd`` command and the language server apply this module so that a
line silenced for flake8 is silent in every door. ``# noqa`` alone silences
every code on its line; ``# noqa: LFD101,LFD3`` silences the codes listed
and the codes they prefix. E999 and LFD999 are never silenced: a file that
was not checked must not look clean.
"""
from __future__ import annotations

import re
from typing import Sequence

from .diagnostics import Diagnostic
from .settings import ALWAYS_REPORTED

#: flake8's own pattern (flake8.defaults.NOQA_INLINE_REGEXP), case-insensitive like flake8's
NOQA = re.compile(r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?", re.IGNORECASE)


def silenced_on(line: str, code: str) -> bool:
    """Whether the physical ``line`` carries a ``# noqa`` that covers ``code``."""
    match = NOQA.search(line)
    if match is None:
        return False
    listed = match.group("codes")
    if listed is None:
        return True
    codes = tuple(part.strip().upper() for part in re.split(r"[,\s]+", listed) if part.strip())
    return code.startswith(codes)


def drop_silenced(diagnostics: Sequence[Diagnostic], lines: Sequence[str]) -> list[Diagnostic]:
    """``diagnostics`` without those whose line (1-based, in ``lines``) says ``# noqa`` for them."""
    kept = []
    for diagnostic in diagnostics:
        index = diagnostic.line - 1
        if (
            diagnostic.code not in ALWAYS_REPORTED
            and 0 <= index < len(lines)
            and silenced_on(lines[index], diagnostic.code)
        ):
            continue
        kept.append(diagnostic)
    return kept


def apply_noqa(diagnostics: Sequence[Diagnostic], source: str) -> list[Diagnostic]:
    """:func:`drop_silenced` over a module's text; free when the text has no ``noqa`` at all."""
    if not diagnostics or "noqa" not in source.lower():
        return list(diagnostics)
    return drop_silenced(diagnostics, re.split(r"\r\n|\r|\n", source))
