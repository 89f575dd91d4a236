"""A progress bar on stderr, only for a person watching a terminal.

:func:`wanted` decides: stderr must be a terminal, ``TERM`` not ``dumb``, no
``CI`` variable set (CI logs often emulate a terminal) and the output not a
machine format. Everywhere else :class:`Progress` is never created, so pipes,
files and CI logs never see a carriage return.
"""
from __future__ import annotations

import os
import shutil
import time
from typing import TextIO


def wanted(stream: TextIO, environ=os.environ) -> bool:
    """Whether a progress bar may be drawn on ``stream``."""
    if environ.get("CI") or environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream
        return False


class Progress:
    """``label [#####.....] 12/310`` redrawn in place, at most ten times a second.

    ``close()`` erases the line, so what follows on the terminal starts clean.
    """

    def __init__(self, total: int, stream: TextIO, label: str = "lint-fd") -> None:
        self.total = max(total, 1)
        self.done = 0
        self.stream = stream
        self.label = label
        self.note = ""
        self._drawn_at = 0.0
        self._width = 0

    def advance(self, steps: int = 1, note: str | None = None) -> None:
        self.done = min(self.done + steps, self.total)
        if note is not None:
            self.note = note
        now = time.monotonic()
        if now - self._drawn_at >= 0.1 or self.done == self.total or note is not None:
            self._drawn_at = now
            self.draw()

    def draw(self) -> None:
        columns = shutil.get_terminal_size((80, 20)).columns
        counter = f" {self.done}/{self.total}"
        bar_width = max(10, min(40, columns - len(self.label) - len(counter) - 4 - len(self.note) - 1))
        filled = bar_width * self.done // self.total
        line = f"{self.label} [{'#' * filled}{'.' * (bar_width - filled)}]{counter}"
        if self.note:
            line += " " + self.note
        line = line[: columns - 1]
        self._width = max(self._width, len(line))
        self.stream.write("\r" + line.ljust(self._width))
        self.stream.flush()

    def close(self) -> None:
        if self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0

    def __enter__(self) -> "Progress":
        self.draw()
        return self

    def __exit__(self, *exc) -> None:
        self.close()
