"""lint_fd's diagnostics and text offsets in LSP terms.

The engine reports a 1-based line and a 0-based column in UTF-8 bytes (what
``ast`` gives; E999 columns are characters, what ``SyntaxError.offset``
gives). LSP positions count lines from 0 and columns in the negotiated
position encoding (UTF-16 code units unless the client offers another).
Lines are split the way both Python and LSP split them (``\\n``, ``\\r\\n``,
``\\r``); ``str.splitlines`` would also split on form feeds and others.
"""
from __future__ import annotations

import re
from typing import Sequence

from lsprotocol import types

from ..diagnostics import SYNTAX_ERROR_CODE, Diagnostic
from ..links import rule_url
from ..noqa import split_lines
from ..report import is_error

SOURCE = "lint_fd"
_WORD = re.compile(r"[^\W\d]\w*(?:\.[^\W\d]\w*)*")


def severity(code: str) -> types.DiagnosticSeverity:
    """Error for E82xx (the code raises) and for a file that was not checked (E999, LFD999),
    Warning for the rest: the levels of SARIF and the GitHub annotations (``report.is_error``)."""
    return types.DiagnosticSeverity.Error if is_error(code) else types.DiagnosticSeverity.Warning


def units(text: str, encoding: str) -> int:
    """Length of ``text`` in the client's position units."""
    if encoding == types.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8"))
    if encoding == types.PositionEncodingKind.Utf32:
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def _body(lines: Sequence[str], index: int) -> str:
    return lines[index].rstrip("\r\n") if 0 <= index < len(lines) else ""


def to_lsp(diagnostic: Diagnostic, lines: Sequence[str], encoding: str) -> types.Diagnostic:
    """One LSP diagnostic; its range covers the dotted name at the reported column
    (``Image.open``, ``it.close``, ``for``), or one character."""
    index = min(max(diagnostic.line - 1, 0), max(len(lines) - 1, 0))
    text = _body(lines, index)
    if diagnostic.code == SYNTAX_ERROR_CODE:
        start = diagnostic.col
    else:
        start = len(text.encode("utf-8")[:diagnostic.col].decode("utf-8", errors="ignore"))
    start = min(start, len(text))
    word = _WORD.match(text, start)
    end = word.end() if word else min(start + 1, len(text))
    return types.Diagnostic(
        range=types.Range(types.Position(index, units(text[:start], encoding)),
                          types.Position(index, units(text[:end], encoding))),
        message=diagnostic.message,
        severity=severity(diagnostic.code),
        code=diagnostic.code,
        code_description=types.CodeDescription(href=rule_url(diagnostic.code)),
        source=SOURCE,
    )


def to_lsp_all(diagnostics: Sequence[Diagnostic], source: str, encoding: str) -> list[types.Diagnostic]:
    lines = split_lines(source)
    return [to_lsp(d, lines, encoding) for d in diagnostics]


def position_at(source_lines: Sequence[str], offset: int, encoding: str) -> types.Position:
    """The LSP position of character ``offset`` in the text made of ``source_lines``."""
    last = len(source_lines) - 1
    for index, line in enumerate(source_lines):
        if offset < len(line) or (offset == len(line) and index == last and not line.endswith(("\n", "\r"))):
            return types.Position(index, units(line[:offset], encoding))
        offset -= len(line)
    return types.Position(len(source_lines), 0)


def minimal_edit(old: str, new: str, encoding: str) -> types.TextEdit | None:
    """One TextEdit turning ``old`` into ``new``: the span between their common prefix and suffix."""
    if old == new:
        return None
    limit = min(len(old), len(new))
    prefix = 0
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    if prefix and old[prefix - 1] == "\r" and old[prefix:prefix + 1] == "\n":
        prefix -= 1  # never split a \r\n line ending
    if suffix and old[len(old) - suffix - 1:len(old) - suffix + 1] == "\r\n":
        suffix -= 1
    lines = split_lines(old)
    return types.TextEdit(
        range=types.Range(position_at(lines, prefix, encoding), position_at(lines, len(old) - suffix, encoding)),
        new_text=new[prefix:len(new) - suffix],
    )
