"""LFD101 / LFD102 / LFD301 / LFD302 on a bound name: ``with`` around the statements that use it.

Ex) ``img = Image.open(p); a = np.asarray(img); img.close()`` becomes
``with Image.open(p) as img: a = np.asarray(img)``. The engine's site gives the
opening call, its statement and its one name, and says it neither escapes nor
is put in a container; :mod:`.uses` finds the run of statements to move.
"""
from __future__ import annotations

import ast

from ..analysis.sites import Fate, Site
from .context import FixContext, opens_context_manager
from .plans import Plan, WrapRun
from .uses import enclosing_block, scope_of, walk_local


def plan_bound_site(ctx: FixContext, site: Site, codes: tuple[str, ...]) -> Plan | None:
    """The engine's facts allow a ``with``: bound once to one name, no escape, no container."""
    if site.fate is not Fate.BOUND or site.escaped or site.contained or site.accumulated or site.walrus:
        return None
    if not opens_context_manager(site.kind):
        return None
    stmt = site.statement
    name = _single_name_target(stmt)
    if name is None or site.aliases != frozenset({name}):
        return None
    if stmt.value is not site.call and not _wraps(ctx, stmt.value, site.call):
        return None
    return plan_with(ctx, stmt, name, codes, closing=None)


def plan_bound_generator(ctx: FixContext, call: ast.Call, codes: tuple[str, ...]) -> Plan | None:
    """``g = read_records(p)`` consumed partially: ``with contextlib.closing(read_records(p)) as g:``."""
    stmt = ctx.parents.get(call)
    name = _single_name_target(stmt)
    if name is None or stmt.value is not call:
        return None
    closing, import_edit = ctx.imported("contextlib", "closing")
    plan = plan_with(ctx, stmt, name, codes, closing=closing)
    if plan is not None and import_edit is not None:
        plan.edits.append(import_edit)
    return plan


def plan_with(ctx: FixContext, stmt: ast.stmt, name: str, codes, closing: str | None) -> Plan | None:
    block = enclosing_block(stmt, ctx.parents)
    scope = scope_of(stmt, ctx.parents)
    if block is None or scope is None:
        return None
    start = next(i for i, s in enumerate(block) if s is stmt)
    run = ctx.runs.find(block, start, {name}, scope)
    if run is None:
        return None
    last = block[run.end]
    drop = _drop_last(last, name, block[start + 1:run.end]) if run.end > start else None
    edit = WrapRun(stmt.lineno, last.lineno, name, bind_line=True, closing=closing, drop_last=drop,
                   first_col=ctx.char_col(stmt.lineno, stmt.col_offset))
    return Plan(codes, [edit], (stmt.lineno, last.end_lineno))


def _single_name_target(stmt) -> str | None:
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
        return stmt.targets[0].id
    return None


#: Context managers whose exit closes the object they wrap, so ``with wrapper(open(p)) as x:``
#: closes the file. Not every owning wrapper qualifies: ``GzipFile(fileobj=f)``,
#: ``ZipFile(f)`` and ``tarfile.open(fileobj=f)`` leave a passed file object open, and an
#: arbitrary class of the user's code need not be a context manager at all.
CLOSING_CONTEXT_WRAPPERS = frozenset({
    "io.TextIOWrapper", "io.BufferedReader", "io.BufferedWriter", "io.BufferedRandom", "io.BufferedRWPair",
    "contextlib.closing", "codecs.StreamReader", "codecs.StreamWriter", "codecs.StreamReaderWriter",
})


def _wraps(ctx: FixContext, value: ast.AST, call: ast.Call) -> bool:
    """``io.TextIOWrapper(open(p))``: a wrapper whose exit closes what it wraps, around the call."""
    if not isinstance(value, ast.Call) or not any(arg is call for arg in value.args):
        return False
    return ctx.analysis.imports.qualify(value.func) in CLOSING_CONTEXT_WRAPPERS


def _is_close_of(stmt: ast.stmt, name: str) -> bool:
    """``name.close()`` as a statement."""
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Call)
        and not stmt.value.args
        and not stmt.value.keywords
        and isinstance(stmt.value.func, ast.Attribute)
        and stmt.value.func.attr == "close"
        and isinstance(stmt.value.func.value, ast.Name)
        and stmt.value.func.value.id == name
    )


def _drop_last(last: ast.stmt, name: str, before: list[ast.stmt]) -> str | None:
    """The run's final close becomes redundant: ``close`` (the statement) or ``try`` (a
    ``try/finally`` whose ``finally`` only closes it), unless the name was rebound before."""
    if any(_binds(stmt, name) for stmt in before):
        return None
    if _is_close_of(last, name):
        return "close"
    if (
        isinstance(last, ast.Try)
        and len(last.finalbody) == 1
        and _is_close_of(last.finalbody[0], name)
        and not _binds(last, name)
        and (last.handlers or not last.orelse)
    ):
        return "try"
    return None


def _binds(stmt: ast.stmt, name: str) -> bool:
    return any(
        isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Store)
        for node in walk_local(stmt)
    )
