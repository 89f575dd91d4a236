"""Fixes that change behaviour on purpose, applied only with ``--unsafe-fixes``.

LFD202 Ex) ``for x, y in train_it:`` becomes
``for x, y in itertools.islice(train_it, len(train_it)):`` (one epoch, then the
loop ends, which it never did before). Only a plain name or attribute is
bounded, so repeating it in ``len(...)`` evaluates nothing new; ``enumerate(it)``
bounds its argument.
"""
from __future__ import annotations

import ast

from .context import FixContext
from .plans import Plan, ReplaceExpression


def plan_bounded_loop(ctx: FixContext, loop: ast.For, codes: tuple[str, ...]) -> Plan | None:
    target = loop.iter
    if isinstance(target, ast.Call) and getattr(target.func, "id", None) == "enumerate" and target.args:
        target = target.args[0]
    if not _plain_reference(target):
        return None
    islice, import_edit = ctx.imported("itertools", "islice")
    edits = [ReplaceExpression(ctx.span(target), islice + "({0}, len({0}))")]
    if import_edit is not None:
        edits.append(import_edit)
    return Plan(codes, edits, (loop.lineno, loop.lineno), unsafe=True)


def _plain_reference(expr: ast.AST) -> bool:
    while isinstance(expr, ast.Attribute):
        expr = expr.value
    return isinstance(expr, ast.Name)
