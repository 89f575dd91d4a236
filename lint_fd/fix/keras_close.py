"""LFD201: remove the ``.close()`` a Keras iterator does not have.

Ex) ``try: model.fit(it) finally: it.close()`` becomes ``model.fit(it)``: the
call only raised ``AttributeError``. A receiver that is a call
(``IDG().flow(x, y).close()``) keeps its evaluation; a name or attribute is
just read, so the whole statement goes. A ``finally`` left empty goes with it,
and a ``try`` left with only its body is unwrapped.
"""
from __future__ import annotations

import ast

from .context import FixContext
from .plans import Plan, RemoveClose


def plan_keras_close(ctx: FixContext, call: ast.Call, codes: tuple[str, ...]) -> Plan | None:
    stmt = ctx.parents.get(call)
    if not isinstance(stmt, ast.Expr) or stmt.value is not call or call.args or call.keywords:
        return None
    receiver = call.func.value
    edit = RemoveClose(stmt.lineno, keep_receiver=not _plain_reference(receiver),
                       col=ctx.char_col(stmt.lineno, stmt.col_offset))
    try_stmt = _enclosing_try(ctx, stmt)
    lines = (try_stmt or stmt).lineno, (try_stmt or stmt).end_lineno
    return Plan(codes, [edit], (stmt.lineno, stmt.end_lineno) if try_stmt is None else lines)


def _plain_reference(expr: ast.AST) -> bool:
    """``it``, ``self.train_it``: reading it has no effect worth keeping."""
    while isinstance(expr, ast.Attribute):
        expr = expr.value
    return isinstance(expr, ast.Name)


def _enclosing_try(ctx: FixContext, stmt: ast.stmt) -> ast.Try | None:
    parent = ctx.parents.get(stmt)
    if isinstance(parent, ast.Try) and any(s is stmt for s in parent.finalbody):
        return parent
    return None
