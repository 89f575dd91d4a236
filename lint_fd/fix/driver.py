"""Plan, apply and check fixes on one text, a few rounds until nothing changes.

Every round analyses the current text afresh (never the cache), plans one fix
per finding from the engine's facts, applies the plans that touch disjoint
lines together, and keeps the result only if it still parses and compiles
and, with every rule enabled, reports strictly fewer findings and no more of
any code than before. Otherwise the plans are tried one by one, and a plan
that fails alone is dropped: its finding stays.
"""
from __future__ import annotations

import warnings
from collections import Counter
from dataclasses import dataclass, field, replace

from ..diagnostics import Diagnostic
from ..settings import Settings
from .context import FixContext
from .facts import Analysis, Finding, analyse
from .kinds import fixable
from .keras_close import plan_keras_close
from .plans import Plan
from .rewrite import NotApplied, apply
from .temporary import plan_temporary_generator, plan_temporary_site
from .unsafe import plan_bounded_loop, plan_keep_copies
from .with_block import plan_bound_generator, plan_bound_site

MAX_ROUNDS = 8
TOOL_CODES = frozenset({"E999", "LFD999"})


@dataclass
class FixOutcome:
    """The fixed text; the findings fixed (positions in the text of the round that fixed
    them) and those that remain (positions in the fixed text)."""

    source: str
    fixed: list[Diagnostic] = field(default_factory=list)
    remaining: list[Diagnostic] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.fixed)


def every_rule(settings: Settings) -> Settings:
    """The same analysis settings with every code reported: a fix must not add any finding."""
    return replace(settings, strict=True, select=(), ignore=(), extend_select=(), extend_ignore=())


def fix_source(source: str, settings: Settings | None = None, filename: str | None = None,
               unsafe: bool = False, select: tuple[str, ...] | None = None) -> FixOutcome:
    """Apply every safe fix (and the unsafe ones with ``unsafe``) to ``source``.

    ``select``: code prefixes to fix (default: every enabled code)."""
    settings = settings or Settings()
    full = every_rule(settings)
    current = analyse(source, full, filename)
    if current is None:  # does not parse: nothing to fix, the E999 remains
        from ..api import check_source

        return FixOutcome(source, [], check_source(source, filename or "<unknown>", settings))
    wanted = _wanted(settings, unsafe, select)
    fixed: list[Diagnostic] = []
    rejected: set[tuple] = set()
    for _ in range(MAX_ROUNDS):
        plans = [p for p in plan_all(current, wanted) if _key(p) not in rejected]
        if not plans:
            break
        chosen = _disjoint(plans)
        result = _try(current, chosen, full, filename)
        if result is None:
            for plan in chosen:
                result = _try(current, [plan], full, filename)
                if result is not None:
                    chosen = [plan]
                    break
                rejected.add(_key(plan))
        if result is None:
            continue
        fixed.extend(d for plan in chosen for d in plan.diagnostics)
        current = result
        rejected.clear()  # positions moved: what failed may now apply, and keys changed
    remaining = [d for d in current.diagnostics if settings.enabled(d.code)]
    return FixOutcome(current.source, fixed, remaining)


def fix_for_diagnostic(source: str, diagnostic: Diagnostic, settings: Settings | None = None,
                       filename: str | None = None, unsafe: bool = False) -> str | None:
    """The whole new text fixing that one finding (the editor's quick fix), or None."""
    settings = settings or Settings()
    full = every_rule(settings)
    current = analyse(source, full, filename)
    if current is None:
        return None
    wanted = _wanted(settings, unsafe, (diagnostic.code,))
    for plan in plan_all(current, wanted):
        if any((d.line, d.col, d.code) == (diagnostic.line, diagnostic.col, diagnostic.code) for d in plan.diagnostics):
            result = _try(current, [plan], full, filename)
            return None if result is None else result.source
    return None


def _wanted(settings: Settings, unsafe: bool, select):
    def wanted(code: str) -> bool:
        if not settings.enabled(code) or not fixable(code, unsafe):
            return False
        return not select or any(code.startswith(prefix) for prefix in select)

    return wanted


def plan_all(analysis: Analysis, wanted) -> list[Plan]:
    """One plan per fact with a wanted finding (LFD101 and LFD301 on one site share it)."""
    ctx = FixContext(analysis)
    by_fact: dict[int, list[Finding]] = {}
    order: list[int] = []
    for finding in analysis.findings:
        if not wanted(finding.diagnostic.code):
            continue
        fact = finding.site if finding.site is not None else finding.node
        if id(fact) not in by_fact:
            by_fact[id(fact)] = []
            order.append(id(fact))
        by_fact[id(fact)].append(finding)
    plans = []
    for key in order:
        findings = by_fact[key]
        plan = _plan(ctx, findings)
        if plan is not None:
            plan.diagnostics = [f.diagnostic for f in findings]
            plans.append(plan)
    return plans


def _plan(ctx: FixContext, findings: list[Finding]) -> Plan | None:
    codes = tuple(f.diagnostic.code for f in findings)
    first = findings[0]
    if first.site is not None:
        site = first.site
        if "LFD103" in codes:
            return plan_keep_copies(ctx, site, codes)
        if site.fate.value == "bound":
            return plan_bound_site(ctx, site, codes)
        if site.fate.value == "temporary" and ("LFD104" in codes or site.iterated_by is not None):
            return plan_temporary_site(ctx, site, codes)
        return None
    code = codes[0]
    if code == "LFD201":
        return plan_keras_close(ctx, first.node, codes)
    if code == "LFD202":
        return plan_bounded_loop(ctx, first.node, codes)
    if code == "LFD302":
        return plan_bound_generator(ctx, first.node, codes) or plan_temporary_generator(ctx, first.node, codes)
    return None


def _key(plan: Plan) -> tuple:
    return tuple((d.line, d.col, d.code) for d in plan.diagnostics)


def _disjoint(plans: list[Plan]) -> list[Plan]:
    chosen: list[Plan] = []
    for plan in plans:
        if not any(plan.overlaps(other) for other in chosen):
            chosen.append(plan)
    return chosen


def _try(current: Analysis, plans: list[Plan], full: Settings, filename: str | None) -> Analysis | None:
    """The analysis of the text with ``plans`` applied, if that text is acceptable."""
    try:
        text = apply(current.source, plans, current.tree)
    except (NotApplied, Exception):  # libcst refusing a tree is a plan we cannot apply, never a crash
        return None
    if text == current.source or not compiles(text, filename):
        return None
    after = analyse(text, full, filename)
    if after is None:
        return None
    # each plan's own findings are gone, and no code is reported more often than before
    allowed = Counter(d.code for d in current.diagnostics)
    allowed.subtract(d.code for plan in plans for d in plan.diagnostics)
    after_codes = Counter(d.code for d in after.diagnostics)
    if TOOL_CODES & set(after_codes) or any(count > allowed[code] for code, count in after_codes.items()):
        return None
    return after


def compiles(text: str, filename: str | None = None) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, filename or "<fixed>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    return True
