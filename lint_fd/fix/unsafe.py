"""Fixes that change behaviour on purpose, applied only with ``--unsafe-fixes``: LFD202 and LFD103.

LFD202 Ex) ``for x, y in train_it:`` becomes
``for x, y in itertools.islice(train_it, len(train_it)):`` (one epoch, then the
loop ends, which it never did before). Only a plain name or attribute is
bounded, so repeating it in ``len(...)`` evaluates nothing new; ``enumerate(it)``
bounds its argument.
"""
from __future__ import annotations

import ast

from .context import FixContext
from .plans import Plan, ReplaceExpression, ReplaceStatement, WrapRun
from .temporary import _effects_before
from .uses import enclosing_block, scope_of


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


# --- LFD103: keep copies made inside ``with`` -------------------------------------------------
#
# Ex) ``batch.append(Image.open(p))`` in a loop becomes
# ``with Image.open(p) as img: batch.append(img.copy())``, and
# ``images = [Image.open(p) for p in paths]`` becomes a loop that appends copies. Unsafe:
# a copy loads the pixels at once, and has no ``format`` or ``filename``. Images only (a
# file has no ``copy()``).

ADDERS = frozenset({"append", "add", "appendleft", "insert"})


def plan_keep_copies(ctx: FixContext, site, codes: tuple[str, ...]) -> Plan | None:
    if not site.kind.is_image or site.kind.element is not None or site.fate.value != "bound" or not site.accumulated:
        return None
    stmt = site.statement
    if enclosing_block(stmt, ctx.parents) is None or scope_of(stmt, ctx.parents) is None:
        return None
    if _added_to_container(stmt, site.call):
        if _effects_before(ctx, _header(stmt), site.call):
            return None
        scope = scope_of(stmt, ctx.parents)
        edit = WrapRun(stmt.lineno, stmt.lineno, ctx.fresh_name("img", scope), bind_line=False,
                       call=ctx.span(site.call), first_col=ctx.char_col(stmt.lineno, stmt.col_offset), use="{}.copy()")
        return Plan(codes, [edit], (stmt.lineno, stmt.end_lineno), unsafe=True)
    return _comprehension_to_loop(ctx, stmt, site, codes)


def _header(stmt: ast.stmt) -> ast.AST:
    return stmt.value


def _added_to_container(stmt: ast.stmt, call: ast.Call) -> bool:
    """``batch.append(<call>)`` or ``thumbs[key] = <call>``, the call itself the value added."""
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        adder = stmt.value
        return (isinstance(adder.func, ast.Attribute) and adder.func.attr in ADDERS
                and any(arg is call for arg in adder.args))
    return (isinstance(stmt, ast.Assign) and stmt.value is call and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Subscript))


def _comprehension_to_loop(ctx: FixContext, stmt: ast.stmt, site, codes) -> Plan | None:
    """``X = [<call> for T in ITER if C]`` on one line: a loop appending copies."""
    comp = stmt.value if isinstance(stmt, ast.Assign) else None
    if not (isinstance(comp, ast.ListComp) and comp.elt is site.call and len(comp.generators) == 1
            and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
            and stmt.lineno == stmt.end_lineno and not comp.generators[0].is_async):
        return None
    target = stmt.targets[0].id
    generator = comp.generators[0]
    scope = scope_of(stmt, ctx.parents)
    loop_names = {n.id for n in ast.walk(generator.target) if isinstance(n, ast.Name)}
    inside = {id(n) for n in ast.walk(comp)}
    elsewhere = {n.id for n in ast.walk(scope) if isinstance(n, ast.Name) and id(n) not in inside}
    if isinstance(scope, ast.Module) or loop_names & (elsewhere | {target}):
        return None  # the loop variable would become a name of the scope
    if any(isinstance(n, ast.Name) and n.id == target for n in ast.walk(comp)):
        return None
    source = ctx.analysis.source
    segment = {node: ast.get_source_segment(source, node) for node in (generator.target, generator.iter, site.call)}
    conditions = [ast.get_source_segment(source, c) for c in generator.ifs]
    if None in segment.values() or None in conditions:
        return None
    name = ctx.fresh_name("img", scope)
    body = f"with {segment[site.call]} as {name}:\n    {target}.append({name}.copy())"
    if conditions:
        test = conditions[0] if len(conditions) == 1 else " and ".join(f"({c})" for c in conditions)
        body = f"if {test}:\n" + _indent(body)
    code = f"{target} = []\nfor {segment[generator.target]} in {segment[generator.iter]}:\n" + _indent(body)
    edit = ReplaceStatement(stmt.lineno, ctx.char_col(stmt.lineno, stmt.col_offset), code)
    return Plan(codes, [edit], (stmt.lineno, stmt.end_lineno), unsafe=True)


def _indent(text: str) -> str:
    return "".join("    " + line + "\n" for line in text.splitlines())
