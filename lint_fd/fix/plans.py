"""The edits a fix is made of, in source positions (1-based lines, character columns).

Planners (:mod:`.with_block`, :mod:`.temporary`, :mod:`.keras_close`,
:mod:`.unsafe`) read the engine's facts on the ``ast`` tree and return a
:class:`Plan`; :mod:`.rewrite` applies plans to the libcst tree, which keeps
every comment, blank line and the formatting of the code it does not touch.
"""
from __future__ import annotations

from dataclasses import dataclass, field

Span = tuple[int, int, int, int]  # start line, start column, end line, end column (characters)


@dataclass
class WrapRun:
    """``with <header> as <target>:`` around statements ``first_line``..``last_line`` of one block.

    ``bind_line``: the first statement is ``target = <header>`` and becomes the ``with`` line.
    Otherwise (a temporary) the statement stays inside and the expression at ``call`` is
    replaced by ``target``. ``closing`` wraps the header in ``contextlib.closing(...)``.
    ``drop_last``: the run's last statement is ``target.close()`` (removed) or a ``try`` whose
    ``finally`` only closes the target (unwrapped)."""

    first_line: int
    last_line: int
    target: str
    bind_line: bool
    first_col: int = 0  # the column (characters) where the first statement starts
    bare: bool = False  # the statement is the opening call alone: ``with <call>: pass``
    use: str = "{}"  # how the statement uses the bound name (``{}.copy()`` keeps a copy)
    call: Span | None = None
    closing: str | None = None  # the spelling of contextlib.closing in this file
    drop_last: str | None = None  # None, "close" or "try"


@dataclass
class RemoveClose:
    """Remove the statement ``<receiver>.close()`` at ``line``; ``keep_receiver`` keeps the
    receiver's evaluation (``IDG().flow(x, y)``); an emptied ``finally`` goes, and a ``try``
    left with nothing but its body is unwrapped."""

    line: int
    keep_receiver: bool
    col: int = 0


@dataclass
class ReplaceStatement:
    """Replace the one-line statement starting at (``line``, ``col``) by ``code`` (statements
    at its indentation, ``\n``-separated); its comments stay on the first new line."""

    line: int
    col: int
    code: str


@dataclass
class ReplaceExpression:
    """Replace the expression at ``span`` by ``template`` (``{}`` stands for its old code)."""

    span: Span
    template: str


@dataclass
class AddImport:
    """``import <module>`` after the module's leading imports, or ``name`` added to an
    existing ``from <module> import ...`` (once)."""

    module: str
    name: str | None = None


@dataclass
class Plan:
    """One fix: its edits and the lines it touches (plans on overlapping lines wait a round)."""

    codes: tuple[str, ...]
    edits: list = field(default_factory=list)
    lines: tuple[int, int] = (0, 0)
    unsafe: bool = False
    diagnostics: list = field(default_factory=list)  # the findings it fixes

    def overlaps(self, other: "Plan") -> bool:
        return not (self.lines[1] < other.lines[0] or other.lines[1] < self.lines[0])
