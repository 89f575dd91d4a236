"""``# noqa`` comments read the way flake8 reads them, and the edit that adds one.

flake8 applies ``# noqa`` itself and pylint has its own pragmas; the
``lint-fd`` command and the language server apply this module so that a
line silenced for flake8 is silent in every door:

* ``# noqa`` alone silences every code on its line; ``# noqa: LFD101,LFD3``
  silences the codes listed and the codes they prefix;
* the comment is searched on the finding's physical line, or, when that line
  is part of a token spanning several lines (a triple-quoted string), on all
  the lines of that span joined (flake8 7's mapping; lines merely inside
  brackets are not joined);
* E999 and LFD999 are never silenced: a file that was not checked must not
  look clean.

:func:`noqa_edit` builds the smallest edit that makes a line ignore one code
(the language server's "Ignore LFDxxx for this line").
"""
from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass
from typing import Sequence

from .diagnostics import Diagnostic
from .settings import ALWAYS_REPORTED
from .source import LINE_BREAK

#: flake8's own pattern (flake8.defaults.NOQA_INLINE_REGEXP), case-insensitive like flake8's
NOQA = re.compile(r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?", re.IGNORECASE)


def silenced_on(line: str, code: str) -> bool:
    """Whether ``line`` (a physical line, or flake8's joined lines) carries a ``# noqa`` that covers ``code``."""
    match = NOQA.search(line)
    if match is None:
        return False
    listed = match.group("codes")
    if listed is None:
        return True
    codes = tuple(part.strip().upper() for part in re.split(r"[,\s]+", listed) if part.strip())
    return code.startswith(codes)


def drop_silenced(diagnostics: Sequence[Diagnostic], lines: Sequence[str],
                  joined: dict[int, str] | None = None) -> list[Diagnostic]:
    """``diagnostics`` without those whose line (1-based, in ``lines``) says ``# noqa`` for them.

    ``joined`` maps a line to the text flake8 searches when that differs from
    the physical line (:func:`logical_lines`).
    """
    kept = []
    for diagnostic in diagnostics:
        index = diagnostic.line - 1
        if diagnostic.code not in ALWAYS_REPORTED and 0 <= index < len(lines) and (
                silenced_on(lines[index], diagnostic.code)
                or (joined is not None and silenced_on(joined.get(diagnostic.line, ""), diagnostic.code))):
            continue
        kept.append(diagnostic)
    return kept


def apply_noqa(diagnostics: Sequence[Diagnostic], source: str) -> list[Diagnostic]:
    """:func:`drop_silenced` over a module's text; free when the text has no ``noqa`` at all.

    flake8's line mapping (a tokenize pass) is built only when some finding's
    own physical line has no noqa for it while the file has one somewhere.
    """
    if not diagnostics or "noqa" not in source.lower():
        return list(diagnostics)
    lines = split_lines(source)
    kept = drop_silenced(diagnostics, lines)
    if not kept or all(d.code in ALWAYS_REPORTED for d in kept):
        return kept
    return drop_silenced(kept, lines, logical_lines(source, lines))


def split_lines(source: str) -> list[str]:
    """Physical lines as Python and LSP count them (``\\n``, ``\\r\\n``, ``\\r``), endings kept."""
    lines, start = [], 0
    for match in LINE_BREAK.finditer(source):
        lines.append(source[start:match.end()])
        start = match.end()
    if start < len(source) or not lines:
        lines.append(source[start:])
    return lines


def logical_lines(source: str, lines: Sequence[str] | None = None) -> dict[int, str]:
    """Line number -> the text flake8 searches for its noqa (flake8 7's ``_noqa_line_mapping``).

    Lines are grouped between NL/NEWLINE tokens, so only tokens that span
    lines (triple-quoted strings) group several physical lines.

    Empty when the source does not tokenize (flake8 then searches nothing
    beyond the physical line either).
    """
    lines = split_lines(source) if lines is None else lines
    mapping: dict[int, str] = {}
    first, last = None, None
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type in (tokenize.ENDMARKER, tokenize.DEDENT):
                continue
            first = token.start[0] if first is None else min(first, token.start[0])
            last = token.end[0] if last is None else max(last, token.end[0])
            if token.type in (tokenize.NL, tokenize.NEWLINE):
                joined = "".join(lines[first - 1:last])
                mapping.update(dict.fromkeys(range(first, last + 1), joined))
                first, last = None, None
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return {}
    return mapping


@dataclass(frozen=True)
class LineEdit:
    """Replace ``[start, end)`` (0-based character columns of ``line``, 1-based) with ``text``."""

    line: int
    start: int
    end: int
    text: str

    def apply(self, source: str) -> str:
        lines = split_lines(source)
        old = lines[self.line - 1]
        lines[self.line - 1] = old[:self.start] + self.text + old[self.end:]
        return "".join(lines)


def noqa_edit(source: str, line: int, code: str) -> LineEdit | None:
    """The edit that makes the finding on physical ``line`` silence ``code``, or None when no clean one exists.

    * a comment on the line with ``# noqa: X`` gets ``, CODE`` after its codes;
    * another comment gets ``  # noqa: CODE`` appended after it (so a leading
      ``# type: ignore`` stays first);
    * a line without a comment gets ``  # noqa: CODE`` after its last character.

    The comment is found with the tokenizer, so a ``#`` inside a string is
    never taken for one. When the line ends inside a multi-line string, the
    comment goes on the line where the string ends (flake8 joins those lines,
    see :func:`logical_lines`). No edit is offered when that line continues
    with a backslash (a comment cannot follow it), when the source does not
    tokenize, or when the line already silences ``code``.
    """
    lines = split_lines(source)
    if not 0 < line <= len(lines):
        return None
    target, comment = line, None
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.start[0] > target:
                break
            if token.type == tokenize.COMMENT and token.start[0] == target:
                comment = token
            elif token.start[0] <= target < token.end[0] and token.type not in (tokenize.NL, tokenize.NEWLINE):
                target = token.end[0]  # a multi-line string runs past this line: the comment goes where it ends
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None
    body = lines[target - 1].rstrip("\r\n")
    if silenced_on("".join(lines[line - 1:target]), code):
        return None
    if comment is not None:
        start, end = comment.start[1], comment.end[1]
        match = NOQA.search(comment.string)
        if match is not None and match.group("codes") is not None:
            codes_end = start + match.start("codes") + len(match.group("codes").rstrip(", \t"))
            return LineEdit(target, codes_end, codes_end, f", {code}")
        return LineEdit(target, end, len(body), f"  # noqa: {code}")
    content = body.rstrip()
    if not content or content.endswith("\\"):
        return None
    return LineEdit(target, len(content), len(body), f"  # noqa: {code}")
