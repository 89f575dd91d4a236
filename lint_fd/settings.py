"""One settings object, filled from flake8, pylint or ``[tool.lint_fd]``."""
from __future__ import annotations

from dataclasses import dataclass


#: a file lint_fd could not parse or failed on: reported whatever the selection
ALWAYS_REPORTED = frozenset({"LFD999", "E999"})


@dataclass(frozen=True)
class Settings:
    """What the analysis may be told.

    ``strict`` turns on the off-by-default rule LFD104. ``select`` / ``ignore``
    hold code prefixes; an explicit selection of LFD104 also turns it on.
    ``resource_factories`` are extra dotted names (``mylib.io.open_image``) whose
    calls return a resource that must be closed (``name:method`` names its
    release method). ``release_functions`` close what they receive;
    ``keeper_functions`` take ownership of what they receive.
    ``per_file_ignores`` maps a glob to code prefixes not reported in files
    it matches (front ends that know the file name apply it).
    """

    strict: bool = False
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    extend_ignore: tuple[str, ...] = ()
    resource_factories: tuple[str, ...] = ()
    release_functions: tuple[str, ...] = ()
    keeper_functions: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def enabled(self, code: str) -> bool:
        """Whether ``code`` is reported under these settings."""
        from .diagnostics import RULES

        if code in ALWAYS_REPORTED:
            return True  # a file that was not checked must never look clean
        info = RULES.get(code)
        explicitly_selected = code in self.select
        if any(code.startswith(prefix) for prefix in self.ignore) and not explicitly_selected:
            return False
        if self.select and not any(code.startswith(prefix) for prefix in self.select):
            return False
        if info is not None and not info.default_enabled:
            return self.strict or explicitly_selected
        return True
