"""What ``lint-fd`` prints: findings in each format, the source with a caret, statistics, the summary.

Formats: ``text`` (``path:line:col: CODE message``, flake8's 1-based
column), ``json``, ``github`` (workflow annotations) and ``sarif``
(:mod:`lint_fd.sarif`). Colour is only for text on a terminal, and never
when ``NO_COLOR`` is set (https://no-color.org). Nothing here decides what
is a finding.
"""
from __future__ import annotations

import json
import os
from collections import Counter
from typing import Sequence, TextIO

from .diagnostics import RULES, SYNTAX_ERROR_CODE
from .source import SourceCache

FORMATS = ("text", "json", "github", "sarif")
MACHINE_FORMATS = frozenset({"json", "github", "sarif"})


def use_color(choice: str, stream: TextIO, environ=os.environ) -> bool:
    """``always``/``never``, or ``auto``: a terminal and no ``NO_COLOR`` (nor ``TERM=dumb``)."""
    if choice != "auto":
        return choice == "always"
    if environ.get("NO_COLOR") or environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Style:
    """ANSI styling that is the identity when colour is off."""

    CODES = {"bold": "1", "red": "1;31", "yellow": "33", "cyan": "36", "green": "32", "dim": "2"}

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, style: str) -> str:
        if not self.enabled or not text:
            return text
        return f"\033[{self.CODES[style]}m{text}\033[0m"


def is_error(code: str) -> bool:
    """E82xx (the code raises at run time), and files that were not checked (E999, LFD999)."""
    info = RULES.get(code)
    return code == SYNTAX_ERROR_CODE or (info is not None and info.pylint_id[0] in "EF")


def _github_escape(text: str, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def caret_lines(line: str, byte_col: int) -> list[str]:
    """The source line and a caret under the column (tabs kept, so the caret lines up)."""
    prefix = line.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore")
    pad = "".join(ch if ch == "\t" else " " for ch in prefix)
    return [line, pad + "^"]


def write_findings(results: Sequence, fmt: str, out: TextIO, *, style: Style | None = None,
                   show_source: bool = False, sources: SourceCache | None = None) -> None:
    """Every finding of ``results`` on ``out`` in ``fmt``."""
    style = style or Style(False)
    sources = sources or SourceCache()
    rows = [(r.path, d) for r in results for d in r.diagnostics]
    if fmt == "json":
        json.dump([{"path": path, "line": d.line, "col": d.col + 1, "code": d.code, "message": d.message}
                   for path, d in rows], out, indent=1)
        out.write("\n")
    elif fmt == "sarif":
        from .sarif import sarif_log

        json.dump(sarif_log(results, sources=sources), out, indent=1)
        out.write("\n")
    elif fmt == "github":
        for path, d in rows:
            level = "error" if is_error(d.code) else "warning"
            print(f"::{level} file={_github_escape(path, True)},line={d.line},col={d.col + 1}"
                  f"::{_github_escape(d.format())}", file=out)
        for result in results:
            if result.error is not None:
                print(f"::error file={_github_escape(result.path, True)}::{_github_escape(result.error)}", file=out)
    else:
        colon = style(":", "cyan")
        for path, d in rows:
            code = style(d.code, "red" if is_error(d.code) else "yellow")
            print(f"{style(path, 'bold')}{colon}{d.line}{colon}{d.col + 1}{colon} {code} {d.message}", file=out)
            line = sources.line(path, d.line) if show_source else None
            if line is not None:
                text, caret = caret_lines(line, d.col)
                print(text, file=out)
                print(style(caret, "red"), file=out)


def write_read_errors(results: Sequence, err: TextIO) -> None:
    """Files and folders that could not be read, one line each."""
    for result in results:
        if result.error is not None:
            print(f"lint-fd: {result.path}: {result.error}", file=err)


def counts(results: Sequence) -> Counter:
    return Counter(d.code for r in results for d in r.diagnostics)


def statistics_lines(results: Sequence, style: Style | None = None) -> list[str]:
    """One line per code, most frequent first: count, code, pylint symbol (``--statistics``)."""
    style = style or Style(False)
    found = counts(results)
    if not found:
        return []
    width = len(str(max(found.values())))
    code_width = max(len(code) for code in found)
    lines = []
    for code, count in sorted(found.items(), key=lambda item: (-item[1], item[0])):
        symbol = RULES[code].symbol if code in RULES else "syntax-error" if code == SYNTAX_ERROR_CODE else ""
        shown = style(code, "red" if is_error(code) else "yellow") + " " * (code_width - len(code))
        lines.append(f"{count:>{width}}  {shown}  {symbol}".rstrip())
    return lines


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary_line(results: Sequence, style: Style | None = None) -> str:
    """``Found 12 problems (LFD101: 5, LFD102: 7) in 4 of 310 files.`` or ``All checks passed.``

    Files that could not be read are not counted as checked and are named
    at the end, so a run that checked nothing never looks clean.
    """
    style = style or Style(False)
    unreadable = sum(1 for r in results if r.error is not None)
    checked = len(results) - unreadable
    found = counts(results)
    tail = f" {_plural(unreadable, 'file')} could not be read." if unreadable else ""
    if not found:
        if unreadable:
            return style(f"No problems found in {_plural(checked, 'file')};", "yellow") + tail
        return style("All checks passed.", "green")
    total = sum(found.values())
    per_code = ", ".join(f"{code}: {count}" for code, count in sorted(found.items()))
    with_findings = sum(1 for r in results if r.diagnostics)
    of = f"{with_findings} of {checked} file" + ("" if checked == 1 else "s")
    return style(f"Found {_plural(total, 'problem')} ({per_code}) in {of}.", "bold") + tail
