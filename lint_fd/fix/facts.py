"""Each diagnostic paired with the engine facts it was made from.

The engine reports a diagnostic at the position of the fact it describes: the
opening call of a :class:`~lint_fd.analysis.sites.Site` (LFD101-104, LFD301),
the call that creates a generator object (LFD302), the Keras ``.close()`` call
(LFD201) or ``for`` loop (LFD202). Pairing by (line, column, code) family
therefore needs no analysis of its own.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

from ..analysis.engine import analyze_facts
from ..analysis.imports import ImportMap
from ..analysis.sites import Site
from ..api import parse
from ..diagnostics import Diagnostic
from ..noqa import silenced_on
from ..settings import Settings

SITE_CODES = ("LFD101", "LFD102", "LFD103", "LFD104", "LFD301")


def suppressed(lines: list[str], diagnostic: Diagnostic) -> bool:
    """``# noqa`` (read as flake8 and ``lint-fd`` read it) covers the finding: the user chose
    to keep it, so it is not rewritten either (as ruff does)."""
    text = lines[diagnostic.line - 1] if 0 < diagnostic.line <= len(lines) else ""
    return silenced_on(text, diagnostic.code)


@dataclass(eq=False)
class Finding:
    """One enabled diagnostic and its fact: a site, a call or a loop."""

    diagnostic: Diagnostic
    site: Site | None = None
    node: ast.AST | None = None  # LFD201: the close() call; LFD302: the generator call; LFD202: the loop


@dataclass
class Analysis:
    """A fresh analysis of one text (never the cache: fixes need the facts)."""

    source: str
    tree: ast.Module
    imports: ImportMap
    findings: list[Finding]
    diagnostics: list[Diagnostic]  # every enabled diagnostic, fixable or not


def analyse(source: str, settings: Settings, filename: str | None = None) -> Analysis | None:
    """None when the text does not parse."""
    try:
        tree = parse(source, filename or "<unknown>")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    facts, imports, found = analyze_facts(tree, source, settings, filename)
    diagnostics = sorted(d for d in found if settings.enabled(d.code))
    by_position: dict[tuple[int, int, str], Finding] = {}
    for site in facts.sites:
        if site.call is not None:
            for code in SITE_CODES[:4]:
                by_position[(site.call.lineno, site.call.col_offset, code)] = Finding(None, site=site)
    for site in facts.generator_sites:
        if site.call is not None:
            by_position[(site.call.lineno, site.call.col_offset, "LFD301")] = Finding(None, site=site)
    for call, _info in facts.unclosed_generators:
        by_position[(call.lineno, call.col_offset, "LFD302")] = Finding(None, node=call)
    for call in facts.keras.closes:
        by_position[(call.lineno, call.col_offset, "LFD201")] = Finding(None, node=call)
    for loop in facts.keras.unbounded_loops:
        by_position[(loop.lineno, loop.col_offset, "LFD202")] = Finding(None, node=loop)
    findings = []
    lines = source.splitlines()
    for diagnostic in diagnostics:
        fact = by_position.get((diagnostic.line, diagnostic.col, diagnostic.code))
        if fact is not None and not suppressed(lines, diagnostic):
            findings.append(Finding(diagnostic, fact.site, fact.node))
    return Analysis(source, tree, imports or ImportMap(tree), findings, diagnostics)
