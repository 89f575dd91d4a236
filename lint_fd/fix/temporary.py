"""LFD104 (and LFD301 / LFD302 on a never-bound call): a ``with`` binds the temporary.

Ex) ``config = json.load(open(p))`` becomes ``with open(p) as f: config = json.load(f)``;
``for line in open(p):`` becomes ``with open(p) as f: for line in f:``;
``header = next(read_records(p))`` becomes
``with contextlib.closing(read_records(p)) as gen: header = next(gen)``.

The statement moves into the block only when that cannot change what runs:
the opening call runs exactly once each time the statement runs (not in a
``lambda``, a comprehension's element, a conditional branch or a later operand
of ``and``/``or``), and nothing with an effect (a call, an ``await``, a
subscript) is evaluated before it in the statement.
"""
from __future__ import annotations

import ast
import dataclasses

from .context import FixContext, opens_context_manager, suggested_name
from .plans import Plan, WrapRun
from .uses import NESTED_SCOPES, RunFinder, enclosing_block, scope_of, walk_local

COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
EFFECTS = (ast.Call, ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr, ast.Subscript)


def plan_temporary_site(ctx: FixContext, site, codes: tuple[str, ...]) -> Plan | None:
    if not opens_context_manager(site.kind) or _is_map(site.call):
        return None
    base = suggested_name(site.kind, "res")
    return plan_temporary(ctx, site.call, codes, base, closing=None)


def plan_temporary_generator(ctx: FixContext, call: ast.Call, codes: tuple[str, ...]) -> Plan | None:
    closing, import_edit = ctx.imported("contextlib", "closing")
    plan = plan_temporary(ctx, call, codes, "gen", closing=closing)
    if plan is not None and import_edit is not None:
        plan.edits.append(import_edit)
    return plan


def plan_temporary(ctx: FixContext, call: ast.Call, codes, base: str, closing: str | None) -> Plan | None:
    stmt, header = _statement_and_header(ctx, call)
    scope = scope_of(stmt, ctx.parents) if stmt is not None else None
    if stmt is None or enclosing_block(stmt, ctx.parents) is None or scope is None:
        return None
    if _effects_before(ctx, header, call) or _kept_beyond(ctx, stmt, call, scope):
        return None
    edit = WrapRun(stmt.lineno, stmt.lineno, ctx.fresh_name(base, scope), bind_line=False, call=ctx.span(call),
                   closing=closing, first_col=ctx.char_col(stmt.lineno, stmt.col_offset),
                   bare=isinstance(stmt, ast.Expr) and stmt.value is call)
    return Plan(codes, [edit], (stmt.lineno, stmt.end_lineno))


def _kept_beyond(ctx: FixContext, stmt: ast.stmt, call: ast.Call, scope: ast.AST) -> bool:
    """Whether the statement hands the temporary to something that outlives it: a name or
    attribute bound to a value still tied to it (``loader = Loader(open(p))``), a ``return``
    of such a value, a method whose object is read later (``self.keep(open(p))``)."""
    holding = dataclasses.replace(ctx.holding, nodes=frozenset({id(call)}))
    for node in walk_local(stmt):
        if isinstance(node, (ast.Return, ast.Yield, ast.YieldFrom, ast.Await)) and holding.holds(node.value, set()):
            return True
        binding = isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.NamedExpr))
        if binding and holding.holds(node.value, set()):
            return True
        if isinstance(node, (ast.With, ast.AsyncWith)) and any(
            item.optional_vars is not None and holding.holds(item.context_expr, set()) for item in node.items
        ):
            return True
    tainted: set[str] = set()
    RunFinder(holding, ctx.parents).taint_receivers(stmt, tainted)
    if not tainted:
        return False
    block = enclosing_block(stmt, ctx.parents)
    index = next(i for i, s in enumerate(block) if s is stmt)
    return not ctx.runs.reads_confined(block, index, index, tainted, scope, [stmt], later_allowed=False)


def _is_map(call: ast.Call) -> bool:
    """``map(Image.open, paths)``: one resource per item, no single one to bind."""
    func = call.func
    return (getattr(func, "id", None) or getattr(func, "attr", None)) in {"map", "imap"}


def _statement_and_header(ctx: FixContext, call: ast.Call):
    """The statement and the expression of it that is evaluated first and holds ``call``,
    when ``call`` runs exactly once per run of the statement; (None, None) otherwise."""
    node: ast.AST = call
    while True:
        parent = ctx.parents.get(node)
        if parent is None or isinstance(parent, NESTED_SCOPES):
            return None, None
        if isinstance(parent, ast.stmt):
            header = _header_of(parent, node)
            return (parent, header) if header is not None else (None, None)
        if isinstance(parent, ast.comprehension):
            comp = ctx.parents.get(parent)
            if node is not parent.iter or comp.generators[0] is not parent:
                return None, None  # evaluated once per item
            if isinstance(comp, ast.GeneratorExp) and not _consumed_at_once(ctx, comp):
                return None, None  # a lazy generator would read after the block
            node = comp
            continue
        if isinstance(parent, COMPREHENSIONS):
            return None, None  # the element: once per item
        if isinstance(parent, ast.IfExp) and node is not parent.test:
            return None, None
        if isinstance(parent, ast.BoolOp) and node is not parent.values[0]:
            return None, None
        if isinstance(parent, ast.withitem):
            with_stmt = ctx.parents.get(parent)
            if node is not parent.context_expr or with_stmt.items[0] is not parent:
                return None, None
            return with_stmt, node
        node = parent


def _header_of(stmt: ast.stmt, child: ast.AST) -> ast.AST | None:
    """``child`` when it is the part of ``stmt`` evaluated first (and only once)."""
    if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and child is stmt.value:
        return child
    if isinstance(stmt, ast.AugAssign) and child is stmt.value and isinstance(stmt.target, ast.Name):
        return child
    if isinstance(stmt, (ast.Expr, ast.Return)) and child is stmt.value:
        return child
    if isinstance(stmt, (ast.For, ast.AsyncFor)) and child is stmt.iter:
        return child
    if isinstance(stmt, ast.If) and child is stmt.test:
        return child
    return None


def _consumed_at_once(ctx: FixContext, genexp: ast.GeneratorExp) -> bool:
    from .uses import _consumed_at_once as consumed

    return consumed(genexp, ctx.parents)


def _effects_before(ctx: FixContext, header: ast.AST, call: ast.Call) -> bool:
    """Whether something with an effect is evaluated before ``call`` in ``header``."""
    ancestors = set()
    node = call
    while node is not header:
        node = ctx.parents[node]
        ancestors.add(id(node))
    start = (call.lineno, call.col_offset)
    pending = [header]
    while pending:
        node = pending.pop()
        if node is call or isinstance(node, ast.Lambda):
            continue
        if id(node) in ancestors:
            if isinstance(node, COMPREHENSIONS):
                pending.append(node.generators[0].iter)  # only the first iterable runs before
                continue
        elif isinstance(node, EFFECTS) and (node.end_lineno, node.end_col_offset) <= start:
            return True
        pending.extend(ast.iter_child_nodes(node))
    return False
