"""Source lines of checked files, read again only when an output needs them.

``--show-source`` prints the offending line and SARIF fingerprints hash it;
the runner does not keep file contents (memory stays flat), so the reporter
reads the few files that have findings, decoding them the way Python does.
"""
from __future__ import annotations

import io
import re
import tokenize

#: the line breaks Python counts (``str.splitlines`` also breaks at form feeds and others)
LINE_BREAK = re.compile(r"\r\n|\r|\n")


def decode(data: bytes) -> str:
    """Decode bytes the way Python does (BOM, coding cookie), never failing."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        return data.decode("utf-8", errors="replace")


class SourceCache:
    """Lines of each file, read at most once; a file that cannot be read has no lines."""

    def __init__(self) -> None:
        self._lines: dict[str, list[str]] = {}

    def lines(self, path: str) -> list[str]:
        if path not in self._lines:
            try:
                with open(path, "rb") as handle:
                    self._lines[path] = LINE_BREAK.split(decode(handle.read()))
            except (OSError, ValueError):
                self._lines[path] = []
        return self._lines[path]

    def line(self, path: str, number: int) -> str | None:
        """Line ``number`` (1-based) without its line ending, or None when there is no such line."""
        lines = self.lines(path)
        return lines[number - 1] if 0 < number <= len(lines) else None
