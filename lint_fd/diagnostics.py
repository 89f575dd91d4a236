"""Diagnostics and the rule registry shared by every front-end.

A rule is a class in :mod:`lint_fd.rules` whose docstring is its documentation.
This module only holds the data every door needs to report it: the code, the
pylint symbol and id, and the message template.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One finding: 1-based ``line``, 0-based ``col`` (as ``ast`` gives them)."""

    line: int
    col: int
    code: str
    message: str = field(compare=False)

    def format(self) -> str:
        """``LFD101 message``: the text flake8 and the CLI print after the position."""
        return f"{self.code} {self.message}"


@dataclass(frozen=True)
class RuleInfo:
    code: str
    symbol: str
    pylint_id: str
    template: str
    default_enabled: bool = True


RULES: dict[str, RuleInfo] = {}


def register_rule(info: RuleInfo) -> RuleInfo:
    RULES[info.code] = info
    return info


INTERNAL_ERROR = register_rule(
    RuleInfo(
        code="LFD999",
        symbol="lint-fd-internal-error",
        pylint_id="F8999",
        template="lint_fd failed on this file ({error}); please report this bug, other files are still checked",
    )
)
SYNTAX_ERROR_CODE = "E999"


def make(code: str, line: int, col: int, **fields: str) -> Diagnostic:
    """Build the diagnostic for ``code`` with its message template filled in."""
    info = RULES[code]
    return Diagnostic(line, col, code, info.template.format(**fields))
