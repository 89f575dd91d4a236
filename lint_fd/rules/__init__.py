"""The rules: one class per code, whose docstring is the rule's documentation.

``docs/rules/<CODE>.md`` is generated from these docstrings
(``python -m lint_fd.docs``); a test fails when a page is stale.
"""
from __future__ import annotations

import inspect

from ..diagnostics import RuleInfo, register_rule

RULE_CLASSES: dict[str, type] = {}


class Rule:
    """Base class: subclasses set the contract fields and document the rule."""

    code: str
    symbol: str
    pylint_id: str
    template: str
    default_enabled = True

    @classmethod
    def documentation(cls) -> str:
        """The docstring; a ``{resource_kinds}`` line becomes the list of resource kinds from
        the one opener table (``lint_fd/analysis/kinds.py``), so the pages never drift from it."""
        from ..analysis.kinds import kinds_markdown

        return inspect.cleandoc(cls.__doc__ or "").replace("{resource_kinds}", kinds_markdown())


def rule(cls: type[Rule]) -> type[Rule]:
    """Class decorator: put the rule in the registry every front-end reads."""
    register_rule(RuleInfo(cls.code, cls.symbol, cls.pylint_id, cls.template, cls.default_enabled))
    RULE_CLASSES[cls.code] = cls
    return cls


from . import generators, keras_iterators, resource_lifetime  # noqa: E402,F401


def check_all(facts, settings) -> list:
    """Every rule's diagnostics for one module's facts."""
    found = []
    for module in (resource_lifetime, keras_iterators, generators):
        found.extend(module.check(facts, settings))
    return found
