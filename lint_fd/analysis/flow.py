"""Flow: follow each bound resource along every normal and exception path.

A structured walk over one scope's statements. The state (an ``Env``) maps
each resource site that may be open to the set of alias-name sets it has on
the paths where it is open; a site that is closed or handed on along every
path is simply absent. Joining two paths is a union, so the walk is path
sensitive per resource (``if img: img.close()`` is understood) without path
explosion: each statement is visited a bounded number of times.

The outcome of a block is a :class:`Flow`: the state on falling through, on
``return``, ``break``, ``continue``, and per kind of exception. ``finally``
blocks are walked once per distinct state reaching them.
"""
from __future__ import annotations

import ast
import bisect

from . import names
from .closures import keeps_captured
from .imports import CHILD_FIELDS, child_fields
from .kinds import RELEASE_METHODS, dataset_names, detached_item, inherited_detached
from .ownership import matches_setting, result_holds_arguments
from .resources import Scope, SourceFinder, call_name
from .sites import CONTAINER_ADDERS, ScopeSites, Site, is_keeping_method
from .sites import local_callee

Env = dict  # Site -> frozenset of alias-name frozensets, one per path where the site is open

BROAD_EXCEPTIONS = frozenset({"BaseException", "Exception"})
OS_ERRORS = frozenset({"OSError", "IOError", "EnvironmentError"})
OS_ERROR_SUBCLASSES = frozenset(
    {"FileNotFoundError", "PermissionError", "IsADirectoryError", "NotADirectoryError", "FileExistsError",
     "BlockingIOError", "InterruptedError", "TimeoutError", "ConnectionError", "UnidentifiedImageError"}
)


#: how many enclosing tests an open remembers (``if should_close:`` is the innermost one)
CONDITIONS_REMEMBERED = 2


class BudgetExceeded(Exception):
    """The walk of one scope took too many steps: give up on it rather than be slow."""


def join(a: Env | None, b: Env | None) -> Env | None:
    if a is None:
        return b
    if b is None or a is b:
        return a
    if not b:
        return a
    if not a:
        return b
    if len(a) < len(b):
        a, b = b, a
    merged = dict(a)  # copy the larger side (in C), merge the smaller one
    for site, sets in b.items():
        old = merged.get(site)
        if old is None:
            merged[site] = sets
        elif old is not sets:
            merged[site] = old | sets
    return merged


def env_key(env: Env | None):
    return None if env is None else frozenset(env.items())


class Flow:
    """The outcomes of a block: the state on falling through (``normal``), on ``return``,
    ``break``, ``continue``, and per kind of exception (``exc``); None where there is no such path."""

    __slots__ = ("normal", "ret", "brk", "cont", "exc")

    def __init__(self, normal: Env | None = None, ret: Env | None = None, brk: Env | None = None,
                 cont: Env | None = None, exc: dict | None = None):
        self.normal = normal
        self.ret = ret
        self.brk = brk
        self.cont = cont
        self.exc: dict = {} if exc is None else exc  # kind -> Env

    def add_exc(self, kind: str, env: Env | None) -> None:
        if env:
            self.exc[kind] = join(self.exc.get(kind), env)

    def absorb_jumps(self, other: "Flow") -> None:
        """Take ``other``'s return/break/continue/exception outcomes (not its fall-through)."""
        if other.ret is not None:
            self.ret = join(self.ret, other.ret)
        if other.brk is not None:
            self.brk = join(self.brk, other.brk)
        if other.cont is not None:
            self.cont = join(self.cont, other.cont)
        for kind, env in other.exc.items():
            self.add_exc(kind, env)


class Summaries:
    """What the module's own functions do with what they are given, computed on first use.

    ``closers(name, is_method)``: indexes of the parameters the function closes on every
    path; ``keepers``: those it returns or stores; ``known``: whether it is the module's own."""

    def __init__(self, closers, keepers=None, known=None):
        self._closers = closers
        self._keepers = keepers or (lambda name, is_method: frozenset())
        self._known = known or (lambda name, is_method: False)
        self._cache: dict[tuple[str, bool, str], frozenset[int]] = {}

    def is_known(self, name: str, is_method: bool) -> bool:
        """Whether ``name`` is a function (or method) defined in this module."""
        return self._known(name, is_method)

    def closer_params(self, name: str, is_method: bool) -> frozenset[int]:
        return self._cached(name, is_method, "close", self._closers)

    def keeper_params(self, name: str, is_method: bool) -> frozenset[int]:
        """Parameters the function stores (on ``self``, in an attribute, returns): ownership moves."""
        return self._cached(name, is_method, "keep", self._keepers)

    def _cached(self, name: str, is_method: bool, what: str, compute) -> frozenset[int]:
        key = (name, is_method, what)
        if key not in self._cache:
            self._cache[key] = frozenset()  # recursion guard
            self._cache[key] = compute(name, is_method)
        return self._cache[key]


#: statement class -> the FlowWalker method that walks it (``_If``..., else ``simple``)
_STATEMENT_HANDLERS: dict[type, object] = {}


class FlowWalker:
    """Walks one scope and records, on each :class:`Site`, how its resource ends."""

    def __init__(self, scope: Scope, finder: SourceFinder, sites: ScopeSites, summaries: Summaries,
                 loaded_names: frozenset[str], budget: int):
        self.scope = scope
        self.finder = finder
        self.sites = sites
        self.summaries = summaries
        self.loaded_names = loaded_names
        self.budget = budget
        self.protect: list[frozenset[str]] = []
        #: local names that hold resources in a container (a list of open images)
        self.containers: set[str] = {a for site in sites.sites if site.contained for a in site.aliases}
        #: local dicts: list(d), sorted(d), tuple(d) copy their keys, not the resources
        self.mappings: set[str] = mapping_names(scope)
        #: names of resources whose items are read into memory: npz arrays, HDF5 slices (see kinds.detached_item)
        self.detached: dict[str, str] = {
            alias: ("in:" if site.contained else "") + site.kind.items
            for site in sites.sites if site.kind.items for alias in site.aliases
        }
        if "sliced" in self.detached.values():
            self.detached.update(dataset_names(scope.nodes, self.detached))
        self._expression_nodes: dict[tuple[int, int], list[ast.AST]] = {}
        self._facts: dict[tuple[int, int], StatementFacts] = {}
        self._index_cache: dict[int, tuple[Env, dict]] = {}
        self._released_cache: dict[int, set[str]] = {}
        self._release_index: ReleaseIndex | None = None
        self._truth_cache: dict[int, tuple | None] = {}
        self._held_cache: dict[tuple[int, int], frozenset[str]] = {}
        self._raise_plans: dict[tuple[int, int], tuple] = {}
        #: flags known true on the current path: ``if should_close: f = open(p)`` (see :func:`flag`)
        self.conditions: list[tuple[str, bool]] = []
        #: name -> keys of the remembered tests that read it (rebinding the name forgets them)
        self.conditions_reading: dict[str, set[str]] = {}
        self._conditions_read = 0  # how many (name, test) pairs conditions_reading holds
        #: outcome of a compound statement by its state (see :meth:`statement`)
        self._outcomes: dict[tuple, Flow] = {}

    # -- entry --------------------------------------------------------------
    def run(self, entry: Env | None = None) -> Flow:
        flow = self.block(self.scope.body, entry or {})
        end = join(flow.normal, flow.ret)
        for site, alias_sets in (end or {}).items():
            for aliases in alias_sets:
                lose(site, aliases)
        for env in flow.exc.values():
            for site in env:
                site.leaked_error = True
        for site in self.sites.sites:
            # left open after a handled exception, and closed or handed on nowhere: no release was
            # skipped by an error, the function just ends with it open (``except StopIteration: break``)
            if site.lost_after_handler and not (site.released or site.escaped):
                site.leaked_normal = True
        return flow

    # -- blocks -------------------------------------------------------------
    def block(self, stmts: list[ast.stmt], env: Env | None) -> Flow:
        out = Flow()
        current = env
        for stmt in stmts:
            if current is None:
                break
            flow = self.statement(stmt, current)
            out.absorb_jumps(flow)
            current = flow.normal
        out.normal = current
        return out

    def statement(self, stmt: ast.stmt, env: Env) -> Flow:
        # work is counted per resource followed, so the walk stays linear in the size of the
        # scope whatever its shape: past the budget the scope is given up, not slowly finished
        self.budget -= 1 + len(env)
        if self.budget < 0:
            raise BudgetExceeded
        if not env and id(stmt) not in self.sites.statements_with_sites:
            return Flow(normal=env if can_fall_through(stmt) else None)
        kind = type(stmt)
        handler = _STATEMENT_HANDLERS.get(kind)
        if handler is None:
            handler = _STATEMENT_HANDLERS[kind] = getattr(FlowWalker, "_" + kind.__name__, FlowWalker.simple)
        if kind not in _COMPOUND_TYPES:
            return handler(self, stmt, env)
        # a compound statement met again in the same state (a loop's body walked once more to
        # reach its fixpoint) has the same outcome: everything it marks on its sites is marked
        key = (id(stmt), env_key(env), tuple(self.conditions[-CONDITIONS_REMEMBERED:]), tuple(self.protect),
               len(self.containers), self._conditions_read)
        flow = self._outcomes.get(key)
        if flow is None:
            flow = self._outcomes[key] = handler(self, stmt, env)
        return flow

    # -- simple statements --------------------------------------------------
    def simple(self, stmt: ast.stmt, env: Env) -> Flow:
        after = self.effects(stmt, [stmt], env)
        flow = Flow()
        # with nothing open before it, an exception inside the statement carries nothing open
        # out of it, unless it opens with ``:=`` or raises outright
        kind = self.raise_kind(stmt, env) if env or type(stmt) is ast.Raise or self.walrus_sites(stmt) else None
        if kind is not None:
            flow.add_exc(kind, self.still_open(env, after, stmt))
        if isinstance(stmt, ast.Return):
            flow.ret = after
        elif isinstance(stmt, ast.Break):
            flow.brk = after
        elif isinstance(stmt, ast.Continue):
            flow.cont = after
        elif isinstance(stmt, ast.Raise):
            flow.add_exc(kind or "any", after)
        else:
            flow.normal = after
        return flow

    def walrus_sites(self, stmt: ast.stmt | None) -> list[Site]:
        """The resources ``stmt`` binds with ``:=``: open for the rest of the statement."""
        return [site for site in self.sites.by_statement.get(stmt, ()) if site.walrus] if stmt is not None else []

    def header(self, stmt: ast.stmt, exprs: list[ast.AST], env: Env, flow: Flow) -> Env:
        """Evaluate the expressions of a compound statement's header (test, iterable, items)."""
        after = self.effects(stmt, exprs, env)
        kind = self.raise_kind_of(exprs, env)
        if kind is not None:
            flow.add_exc(kind, self.still_open(env, after, stmt))
        return after

    # -- compound statements ------------------------------------------------
    def _If(self, stmt: ast.If, env: Env) -> Flow:
        flow = Flow()
        env = self.header(stmt, [stmt.test], env, flow)
        when_true, when_false = self.split(stmt.test, env)
        decision = self.truth_test(stmt.test)
        if decision is not None and decision[3] in ("identity", "closed"):
            decision = None  # remembered: flags (`if should_close:`) and other tests (`if hasattr(fp, "read"):`)
        body = self.guarded(stmt.body, when_true, decision)
        orelse = self.guarded(stmt.orelse, when_false, _negated(decision))
        flow.absorb_jumps(body)
        flow.absorb_jumps(orelse)
        flow.normal = join(body.normal, orelse.normal)
        return flow

    def guarded(self, stmts: list[ast.stmt], env: Env | None, decision) -> Flow:
        """Walk a branch; resources opened in it remember the flag that guarded it."""
        if env is None:
            return Flow()
        if decision is None:
            return self.block(stmts, env)
        if decision[3] == "expr":
            for name in decision[4]:
                reading = self.conditions_reading.setdefault(name, set())
                if decision[0] not in reading:
                    reading.add(decision[0])
                    self._conditions_read += 1
        self.conditions.append((decision[0], decision[1]))
        try:
            return self.block(stmts, env)
        finally:
            self.conditions.pop()

    def _For(self, stmt: ast.For, env: Env) -> Flow:
        flow = Flow()
        env = self.header(stmt, [stmt.iter], env, flow)
        return self.loop(stmt, env, flow, targets=assigned_names(stmt.target), infinite=False)

    _AsyncFor = _For

    def _While(self, stmt: ast.While, env: Env) -> Flow:
        flow = Flow()
        infinite = isinstance(stmt.test, ast.Constant) and bool(stmt.test.value)
        return self.loop(stmt, env, flow, targets=frozenset(), infinite=infinite)

    def loop(self, stmt, entry: Env, flow: Flow, targets: frozenset[str], infinite: bool) -> Flow:
        head = entry
        exit_env: Env | None = None
        breaks: Env | None = None
        for _ in range(4):
            current = head
            if isinstance(stmt, ast.While):
                current = self.header(stmt, [stmt.test], current, flow)
                when_true, when_false = self.split(stmt.test, current)
                if not infinite:
                    exit_env = join(exit_env, when_false)
                current = when_true
            else:
                exit_env = join(exit_env, current)
                current = self.kill(targets, current) if current is not None else None
            body = self.block(stmt.body, current) if current is not None else Flow()
            breaks = join(breaks, body.brk)
            flow.ret = join(flow.ret, body.ret)
            for kind, env in body.exc.items():
                flow.add_exc(kind, env)
            new_head = join(entry, join(body.normal, body.cont))
            if env_key(new_head) == env_key(head):
                break
            head = new_head
        if exit_env is not None and isinstance(stmt, (ast.For, ast.AsyncFor)):
            exit_env = self.release_iterated(stmt, exit_env)
        orelse = self.block(stmt.orelse, exit_env) if exit_env is not None else Flow()
        flow.absorb_jumps(orelse)
        flow.normal = join(orelse.normal, breaks)
        return flow

    def _With(self, stmt: ast.With, env: Env) -> Flow:
        flow = Flow()
        exprs = [item.context_expr for item in stmt.items]
        after = self.effects(stmt, exprs, env)
        released: set[str] = set()
        aliases: list[tuple[str, str]] = []  # with src as f: f is one more name for src
        suppresses = False
        for item in stmt.items:
            # the items are entered one by one: an error in one exits those entered before it
            kind = self.raise_kind_of([item.context_expr], env)
            if kind is not None:
                open_then = self.still_open(env, after, stmt)
                flow.add_exc(kind, self.drop_names(open_then, released, as_release=True) if released else open_then)
            target = item.context_expr
            qualified = self.finder.qualify(target.func, self.scope) if isinstance(target, ast.Call) else None
            if isinstance(target, ast.Call) and (qualified == "contextlib.closing" or names_call(target, "closing")):
                target = target.args[0] if target.args else target
            if isinstance(target, ast.Name):
                released.add(target.id)
                if isinstance(item.optional_vars, ast.Name):
                    aliases.append((target.id, item.optional_vars.id))
            if qualified == "contextlib.suppress":
                suppresses = True
        env = after
        for name, alias in aliases:
            env = self.add_aliases(env, {name}, {alias})
        self.protect.append(frozenset(released))
        try:
            body = self.block(stmt.body, env)
        finally:
            self.protect.pop()
        if released:
            body = self.map_flow(body, lambda e: self.drop_names(e, released, as_release=True))
        flow.absorb_jumps(Flow(ret=body.ret, brk=body.brk, cont=body.cont))
        flow.normal = body.normal
        for kind, exc_env in body.exc.items():
            if suppresses:
                flow.normal = join(flow.normal, exc_env)
            else:
                flow.add_exc(kind, exc_env)
        return flow

    _AsyncWith = _With

    def _Try(self, stmt: ast.Try, env: Env) -> Flow:
        cleanup = frozenset(self.released_in(stmt.finalbody))
        for handler in stmt.handlers:
            if catches_generator_exit(handler):
                cleanup |= self.released_in(handler.body)
        self.protect.append(cleanup)
        try:
            body = self.block(stmt.body, env)
        finally:
            self.protect.pop()
        result = Flow(ret=body.ret, brk=body.brk, cont=body.cont)
        orelse = self.block(stmt.orelse, body.normal) if body.normal is not None else Flow()
        result.absorb_jumps(orelse)
        result.normal = orelse.normal
        for kind, exc_env in body.exc.items():
            remaining: Env | None = exc_env
            for handler in stmt.handlers:
                match = handler_matches(handler, kind)
                if match == "none":
                    continue
                handler_env = self.kill(assigned_handler_name(handler), after_exception(exc_env))
                handled = self.block(handler.body, handler_env)
                result.absorb_jumps(handled)
                result.normal = join(result.normal, handled.normal)
                if match == "all":
                    remaining = None
                    break
            if remaining:
                result.add_exc(kind, remaining)
        if stmt.finalbody:
            return self.run_finally(stmt.finalbody, result)
        return result

    _TryStar = _Try

    def run_finally(self, finalbody: list[ast.stmt], flow: Flow) -> Flow:
        """Walk ``finally`` once per distinct state reaching it; each outcome keeps its kind."""
        out = Flow()
        cache: dict = {}

        def through(env: Env | None) -> Flow | None:
            if env is None:
                return None
            key = env_key(env)
            if key not in cache:
                cache[key] = self.block(finalbody, env)
            return cache[key]

        for attribute in ("normal", "ret", "brk", "cont"):
            result = through(getattr(flow, attribute))
            if result is None:
                continue
            setattr(out, attribute, join(getattr(out, attribute), result.normal))
            out.absorb_jumps(result)
        for kind, env in flow.exc.items():
            result = through(env)
            if result is None:
                continue
            out.add_exc(kind, result.normal)
            out.absorb_jumps(result)
        return out

    def _Match(self, stmt, env: Env) -> Flow:
        flow = Flow()
        env = self.header(stmt, [stmt.subject], env, flow)
        normal: Env | None = None
        exhaustive = False
        for case in stmt.cases:
            case_env = self.kill(frozenset(n.id for n in ast.walk(case.pattern) if isinstance(n, ast.Name))
                                 | frozenset(getattr(n, "name", None) or "" for n in ast.walk(case.pattern)
                                             if isinstance(n, (ast.MatchAs, ast.MatchStar))) - {""}, env)
            if case.guard is not None:
                case_env = self.header(stmt, [case.guard], case_env, flow)
            body = self.block(case.body, case_env)
            flow.absorb_jumps(body)
            normal = join(normal, body.normal)
            if case.guard is None and isinstance(case.pattern, ast.MatchAs) and case.pattern.pattern is None:
                exhaustive = True
        flow.normal = normal if exhaustive else join(normal, env)
        return flow

    def _FunctionDef(self, stmt, env: Env) -> Flow:
        """A nested function or class that uses a resource and is itself used captures it.

        Where it goes, the resource goes: handed on with it, unless it only reads the
        resource and the scope only calls it or hands it to a reader
        (:func:`~.closures.keeps_captured`); then its name is one more name of what it captures."""
        env = self.kill(frozenset({stmt.name}), env)
        if not env or (stmt.name not in self.loaded_names and not stmt.decorator_list):
            return Flow(normal=env)  # a decorator is handed the function (``@app.route``)
        captured = {node.id for node in ast.walk(stmt) if type(node) is ast.Name and type(node.ctx) is ast.Load}
        if not captured:
            return Flow(normal=env)
        open_names = {name for alias_sets in env.values() for aliases in alias_sets for name in aliases}
        if captured & open_names and keeps_captured(
                stmt, self.scope, self.finder, open_names, released_names(stmt.body, self.finder.release_methods)):
            return Flow(normal=self.add_aliases(env, captured, {stmt.name}))
        return Flow(normal=self.drop_names(env, captured, as_release=False))

    _AsyncFunctionDef = _FunctionDef
    _ClassDef = _FunctionDef

    # -- expression effects -------------------------------------------------
    def effects(self, stmt: ast.stmt, exprs: list[ast.AST], env: Env) -> Env:
        """Releases, escapes, yields, aliasing, rebinding and acquisitions of one statement."""
        key = (id(stmt), len(exprs))
        facts = self._facts.get(key)
        if facts is None:  # what a statement does to names does not depend on the state
            facts = self._facts[key] = StatementFacts(self, stmt, exprs, env)
        if facts.released:
            env = self.drop_names(env, facts.released, as_release=True)
        if facts.escaped:
            env = self.drop_names(env, facts.escaped, as_release=False)
        if facts.yields:
            self.yield_point(env)
        if env:  # with nothing open, what a value holds cannot matter: skip computing it
            if facts.return_value is not None:
                returned = self.held(facts.return_value)
                for site, alias_sets in env.items():
                    if any(aliases & returned for aliases in alias_sets):
                        site.returned = True
                env = self.drop_names(env, returned, as_release=False)
            if facts.bindings or facts.killed:
                bindings = [(targets, self.held(value)) for targets, value in facts.bindings]
                env = self.rebind(env, facts.killed, bindings)
        for name, truthy in facts.flags_set:
            env = self.set_flag(env, name, truthy)
        for container, value in facts.container_adds:
            env = self.add_aliases(env, self.held(value), {container}, contained=True)
            self.containers.add(container)
        for site in self.sites.by_statement.get(stmt, ()):
            if not site.aliases:
                site.leaked_normal = True
                continue
            env = dict(env)
            aliases = site.aliases | {flag(name, truthy) for name, truthy in self.conditions[-CONDITIONS_REMEMBERED:]}
            env[site] = env.get(site, frozenset()) | {aliases}
        return env

    def set_flag(self, env: Env, name: str, truthy: bool) -> Env:
        """``opened = True`` (or ``closed = False``) while a resource is open: on these
        paths ``if opened:`` (``if not closed:``) is taken."""
        marker = flag(name, truthy)
        return {site: frozenset(a | {marker} for a in sets) for site, sets in env.items()}

    def nodes_of(self, exprs: list[ast.AST]) -> list[ast.AST]:
        """The nodes of a statement's expressions that the walk acts on (:data:`ACTIVE_NODES`),
        in :func:`walk_scope_expr` order (nested scopes not entered), listed once."""
        key = (id(exprs[0]), len(exprs)) if exprs else (0, 0)
        nodes = self._expression_nodes.get(key)
        if nodes is None:
            nodes = []
            for expr in exprs:
                nodes += active_nodes(expr)
            self._expression_nodes[key] = nodes
        return nodes

    def truth_test(self, test: ast.AST):
        """:func:`truth_test`, computed once per test expression."""
        key = id(test)
        if key not in self._truth_cache:
            self._truth_cache[key] = truth_test(test)
        return self._truth_cache[key]

    def released_in(self, stmts: list[ast.stmt]) -> set[str]:
        """:func:`released_names` of a block, computed once per block from the scope's list of
        release nodes (see :class:`ReleaseIndex`) rather than by walking the block again."""
        key = id(stmts)
        found = self._released_cache.get(key)
        if found is None:
            if self._release_index is None:
                self._release_index = ReleaseIndex(self.scope, self.finder.release_methods, self.finder.parents)
            found = self._release_index.released_in(stmts)
            if found is None:  # a nested definition: its body is not among the scope's nodes
                found = released_names(stmts, self.finder.release_methods)
            self._released_cache[key] = found
        return found

    def held(self, expr: ast.AST | None) -> frozenset[str]:
        """:func:`held_names` of ``expr``, computed once per expression while the set of
        containers (the only input that changes during the walk; it only grows) stays the same."""
        if expr is None:
            return frozenset()
        key = (id(expr), len(self.containers))
        found = self._held_cache.get(key)
        if found is None:
            found = self._held_cache[key] = frozenset(held_names(
                expr, self.finder, self.scope, self.containers - self.mappings, self.local_keeps, self.detached))
        return found

    def local_keeps(self, func: ast.AST) -> frozenset[int] | None:
        """What a call to a function of this module may hand back or store, by argument index."""
        local = local_callee(func, self.scope)
        return None if local is None or not self.summaries.is_known(*local) else self.summaries.keeper_params(*local)

    def yield_point(self, env: Env) -> None:
        protected = frozenset().union(*self.protect) if self.protect else frozenset()
        for site, alias_sets in env.items():
            site.open_across_yield = True
            if any(not (aliases & protected) for aliases in alias_sets):
                site.unprotected_yield = True

    # -- state helpers ------------------------------------------------------
    def drop_names(self, env: Env | None, dropped: set[str], as_release: bool) -> Env | None:
        """Remove the paths on which a site is reachable through one of ``dropped``."""
        if not env or not dropped:
            return env
        result: Env = {}
        for site, alias_sets in env.items():
            kept = frozenset(a for a in alias_sets if not (a & dropped))
            if len(kept) != len(alias_sets):
                if as_release:
                    site.released = True
                else:
                    site.escaped = True
            if kept:
                result[site] = kept
        return result

    def kill(self, targets: frozenset[str] | set[str], env: Env | None) -> Env | None:
        """Rebind ``targets``: a site whose last name goes is lost (LFD101)."""
        if not env or not targets:
            return env
        targets = frozenset(targets) | self.markers_of(targets)
        affected = self.touched(env, targets)
        if not affected:
            return env
        result: Env = dict(env)
        for site in affected:
            alias_sets = result.pop(site)
            kept = set()
            for aliases in alias_sets:
                remaining = aliases - targets
                if any(not is_flag(n) for n in remaining):
                    kept.add(remaining)
                else:
                    lose(site, aliases)
            if kept:
                result[site] = frozenset(kept)
        return result

    def touched(self, env: Env, names: set[str] | frozenset[str]) -> list[Site]:
        """The sites that some path names with one of ``names`` (flags included)."""
        index = self._index_cache.get(id(env))
        if index is None or index[0] is not env:
            by_name: dict[str, list[Site]] = {}
            for site, alias_sets in env.items():
                for aliases in alias_sets:
                    for name in aliases:
                        by_name.setdefault(name, []).append(site)
            index = (env, by_name)
            if len(self._index_cache) > 64:
                self._index_cache.clear()
            self._index_cache[id(env)] = index
        by_name = index[1]
        found: dict[Site, None] = {}
        for name in names:
            for site in by_name.get(name, ()):
                found[site] = None
        return list(found)

    def rebind(self, env: Env, killed: set[str], bindings: list[tuple[frozenset[str], set[str]]]) -> Env:
        """Assignments: ``b = a`` makes ``b`` another name of what ``a`` holds; a rebound
        name stops naming what it held, and a resource left with no name is lost (LFD101)."""
        if not env or not (killed or bindings):
            return env
        dropped = frozenset(killed) | self.markers_of(killed)
        involved = set(dropped)
        for _, held in bindings:
            involved |= held
        affected = self.touched(env, involved)
        if not affected:
            return env  # nothing open is named by what this statement assigns or reads
        result: Env = dict(env)
        for site in affected:
            alias_sets = result.pop(site)
            kept = set()
            for aliases in alias_sets:
                gained: set[str] = set()
                escaped = False
                for targets, held in bindings:
                    if aliases & held:
                        escaping = {t for t in targets if t in self.scope.escaping}
                        escaped = escaped or bool(escaping)
                        gained |= targets - escaping
                if escaped:
                    site.escaped = True
                    continue
                remaining = (aliases - dropped) | gained
                if any(not is_flag(n) for n in remaining):
                    kept.add(frozenset(remaining))
                else:
                    lose(site, aliases)
            if kept:
                result[site] = frozenset(kept)
        return result

    def markers_of(self, rebound) -> frozenset[str]:
        """The flag markers that rebinding ``rebound`` makes stale."""
        keys = set(rebound)
        for name in rebound:
            keys |= self.conditions_reading.get(name, set())
        return frozenset(flag(k) for k in keys) | frozenset(flag(k, False) for k in keys)

    def add_aliases(self, env: Env, held: set[str], targets, contained: bool = False) -> Env:
        if not held or not env:
            return env
        targets = frozenset(targets)
        escaping = frozenset(t for t in targets if t in self.scope.escaping)
        local_targets = targets - escaping
        result: Env = {}
        for site, alias_sets in env.items():
            new_sets = set()
            for aliases in alias_sets:
                if aliases & held:
                    if escaping:
                        site.escaped = True
                        continue
                    if contained:
                        site.contained = True
                        if site.in_loop:
                            site.accumulated = True
                    new_sets.add(aliases | local_targets)
                else:
                    new_sets.add(aliases)
            if new_sets:
                result[site] = frozenset(new_sets)
        return result

    def still_open(self, before: Env, after: Env, stmt: ast.stmt | None = None) -> Env:
        """The state for an exception raised inside a statement: what was open and stays open.

        A resource bound by ``:=`` is open for the rest of the statement:
        ``(f := open(p)).read()`` can fail after the open."""
        walrus = self.walrus_sites(stmt)
        if after is before and not walrus:
            return before  # the statement changed nothing: what was open stays open
        state = {site: sets for site, sets in before.items() if site in after}
        for site in walrus:
            if site in after and site not in state:
                state[site] = after[site]
        return state

    def map_flow(self, flow: Flow, fn) -> Flow:
        mapped = Flow(normal=fn(flow.normal), ret=fn(flow.ret), brk=fn(flow.brk), cont=fn(flow.cont))
        for kind, env in flow.exc.items():
            mapped.add_exc(kind, fn(env))
        return mapped

    def split(self, test: ast.AST, env: Env | None) -> tuple[Env | None, Env | None]:
        """States for the true and false branch: images and files are always truthy, never None."""
        if isinstance(test, ast.Constant):
            return (env, None) if test.value else (None, env)
        if not env:
            return env, env
        decisions = [self.truth_test(test)] + identity_tests(test)
        conjunction = isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And)
        if conjunction:
            decisions = [self.truth_test(value) for value in test.values]
            # ``f is not None and not f.closed``: false as a whole only where every part holds
            conjunction = all(decisions)
            decisions = [(n, positive, False, *rest) for n, positive, _, *rest in filter(None, decisions)]
        decisions = [d for d in decisions if d]
        if not decisions:
            return env, env
        when_true: Env = dict(env)
        when_false: Env = dict(env)
        all_hold: dict[Site, frozenset] = {}
        for number, (name, positive, decisive, how, *_) in enumerate(decisions):
            for site, alias_sets in env.items():
                if how == "closed":
                    # an open resource is not closed: ``f.closed`` is false wherever f is open
                    sure_true, sure_false = set(), {a for a in alias_sets if name in a}
                else:
                    # the resource itself: always truthy, never None, not any other object
                    sure_true = {a for a in alias_sets if name in a} if how != "expr" else set()
                    if how in ("truth", "expr"):
                        sure_true |= {a for a in alias_sets if flag(name) in a}
                        sure_false = {a for a in alias_sets if flag(name, False) in a and name not in a}
                    else:
                        sure_false = set()
                holds = frozenset(sure_true) if positive else frozenset(sure_false)
                fails = frozenset(sure_false) if positive else frozenset(sure_true)
                if holds and decisive:
                    _remove(when_false, site, holds)
                if fails:
                    _remove(when_true, site, fails)
                if conjunction:
                    all_hold[site] = holds if number == 0 else all_hold.get(site, frozenset()) & holds
        for site, holds in all_hold.items():
            if holds:
                _remove(when_false, site, holds)
        return when_true, when_false

    def release_iterated(self, stmt, env: Env) -> Env:
        """``for im in images: im.close()`` closes what ``images`` holds."""
        iterable = stmt.iter
        while isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Name) and iterable.args and (
            iterable.func.id in {"reversed", "list", "tuple", "sorted", "iter", "enumerate"}
        ):
            iterable = iterable.args[0]  # for f in reversed(handles): f.close()
        source = names.root_name(iterable)
        if source is None or not env:
            return env
        loop_names = assigned_names(stmt.target)
        if loop_names & self.released_in(stmt.body):
            return self.drop_names(env, {source}, as_release=True)
        return env

    # -- exceptions ---------------------------------------------------------
    def raise_kind(self, stmt: ast.stmt, env: Env) -> str | None:
        if isinstance(stmt, ast.Raise):
            exc = stmt.exc
            if isinstance(exc, ast.Call):
                exc = exc.func
            name = exc.id if isinstance(exc, ast.Name) else exc.attr if isinstance(exc, ast.Attribute) else None
            return f"name:{name}" if name else "any"
        if isinstance(stmt, ast.Assert):
            return "name:AssertionError"
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return None
        if isinstance(stmt, ast.Return):
            exprs = [stmt.value] if stmt.value is not None else []
        else:
            exprs = [stmt]
        return self.raise_kind_of(exprs, env)

    def raise_kind_of(self, exprs: list[ast.AST], env: Env) -> str | None:
        """``io`` for I/O methods of a resource (``f.read()``), ``any`` for other calls, None if nothing can raise."""
        key = (id(exprs[0]), len(exprs)) if exprs else (0, 0)
        plan = self._raise_plans.get(key)
        if plan is None:
            plan = self._raise_plans[key] = self._raise_plan(exprs)
        steps, walrus_targets = plan
        kind = None
        alias_names = None
        for step, root in steps:
            if step is _RAISES:
                return "any"
            if step is _ADDS and kind is None:
                continue
            if alias_names is None:
                alias_names = {n for sets in env.values() for aliases in sets for n in aliases}
                alias_names.update(walrus_targets)
            if root in alias_names:
                kind = "io"
                continue
            return "any"
        return kind

    def _raise_plan(self, exprs: list[ast.AST]) -> tuple[tuple, tuple]:
        """What :meth:`raise_kind_of` needs of a statement, which does not depend on the state:
        the calls that may raise, in order, each either sure to (``_RAISES``) or raising only
        I/O errors when its receiver (``root``) names an open resource (``_CALLS``; ``_ADDS``
        for a container's adder, which counts only after an I/O call); and the walrus
        targets, which name open resources for the rest of the statement."""
        nodes = self.nodes_of(exprs)
        walrus = tuple(n.target.id for n in nodes if isinstance(n, ast.NamedExpr))
        steps: list[tuple] = []
        opening: set[int] = set()  # (f := open(p)): the open itself is not a failure with f open
        for node in nodes:
            if isinstance(node, ast.NamedExpr) and isinstance(node.value, ast.Call):
                opening.update(id(n) for n in active_nodes(node.value))
            if id(node) in opening:
                continue
            if isinstance(node, ast.Await):
                steps.append((_RAISES, None))
                break
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Attribute) and (
                func.attr in self.finder.release_methods or func.attr in {"enter_context", "callback"}
            ):
                continue
            if names_call(node, "closing"):
                continue
            if isinstance(func, ast.Name) and func.id in PURE_BUILTINS and func.id not in self.scope.local_names:
                continue
            if isinstance(func, ast.Attribute):
                steps.append((_ADDS if func.attr in CONTAINER_ADDERS else _CALLS, names.root_name(func.value)))
                continue
            steps.append((_RAISES, None))
            break
        return tuple(steps), walrus


#: steps of a raise plan (see :meth:`FlowWalker._raise_plan`)
_RAISES, _CALLS, _ADDS = "raises", "calls", "adds"


MAPPING_FACTORIES = frozenset({"dict", "defaultdict", "OrderedDict", "Counter"})


def mapping_names(scope: Scope) -> set[str]:
    """Local names bound to a dict (literal, comprehension or constructor)."""
    found = set()
    for node in scope.of_type(ast.Assign):
        if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            value = node.value
            if isinstance(value, (ast.Dict, ast.DictComp)) or (
                isinstance(value, ast.Call) and (call_name(value) in MAPPING_FACTORIES)
            ):
                found.add(node.targets[0].id)
    return found


#: file and image methods that, handed over uncalled (``setwriter(err.write)``), keep their object alive
BOUND_METHODS_KEPT = frozenset(
    {"write", "writelines", "read", "readline", "readlines", "flush", "__next__", "__iter__", "show", "save"}
)


#: builtins that do not raise for the arguments they are given in practice: no exception path
PURE_BUILTINS = frozenset({"isinstance", "issubclass", "hasattr", "callable", "id", "type"})


def flag(name: str, truthy: bool = True) -> str:
    """The pseudo-name recording "``name`` is true (or false) wherever this resource is open".

    Flags live in the alias sets beside real names; ``=`` and ``!`` keep them apart."""
    return ("=" if truthy else "!") + name


def is_flag(name: str) -> bool:
    return name[:1] in {"=", "!", "^"}


#: marks the paths that went through an ``except``: a leak there is a leak on error (LFD102)
EXCEPTION_PATH = "^exception"


def after_exception(env: Env | None) -> Env | None:
    if not env:
        return env
    return {site: frozenset(a | {EXCEPTION_PATH} for a in sets) for site, sets in env.items()}


def lose(site: Site, aliases: frozenset) -> None:
    """The resource is left open on this path: on a normal path (LFD101) or after an exception."""
    if EXCEPTION_PATH in aliases:
        site.leaked_error = True
        site.lost_after_handler = True
    else:
        site.leaked_normal = True


def _remove(env: Env, site: Site, alias_sets: frozenset) -> None:
    kept = env.get(site, frozenset()) - alias_sets
    if kept:
        env[site] = kept
    else:
        env.pop(site, None)


def truth_test(test: ast.AST):
    """(name, is_positive, is_decisive, how) for ``x``, ``not x`` (how = "truth": also
    meaningful for flags) and ``x is None``, ``x is not sys.stdin``, ``x != other`` (how =
    "identity": meaningful only when ``x`` is the resource, a fresh object)."""
    if isinstance(test, ast.Name):
        return test.id, True, True, "truth"
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = truth_test(test.operand)
        return (inner[0], not inner[1], True, *inner[3:]) if inner else None
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        left, right, op = test.left, test.comparators[0], test.ops[0]
        if not isinstance(left, ast.Name) and isinstance(right, ast.Name):
            left, right = right, left
        if isinstance(left, ast.Name) and not isinstance(right, ast.Name) and isinstance(
            op, (ast.Is, ast.IsNot, ast.Eq, ast.NotEq)
        ):
            if isinstance(right, ast.Constant) and right.value is None or isinstance(op, (ast.Is, ast.IsNot)):
                return left.id, isinstance(op, (ast.IsNot, ast.NotEq)), True, "identity"
    if isinstance(test, ast.Call) and isinstance(test.func, ast.Name) and test.func.id == "bool" and test.args:
        return truth_test(test.args[0])
    closed = closed_test(test)
    if closed is not None:
        return closed
    # any other test: remembered by its text, valid until a name it reads is rebound
    read = frozenset(n.id for n in ast.walk(test) if isinstance(n, ast.Name))
    return "?" + shape_of(test), True, True, "expr", read


def shape_of(node) -> str:
    """The text of an expression's tree without positions or contexts: the same test written
    twice has the same shape (what ``ast.dump`` gives, built for speed)."""
    if isinstance(node, list):
        return "[" + ",".join(shape_of(item) for item in node) + "]"
    if not isinstance(node, ast.AST):
        return repr(node)
    return type(node).__name__ + "(" + ",".join(
        shape_of(getattr(node, name, None)) for name in node._fields if name != "ctx") + ")"


def closed_test(test: ast.AST):
    """``f.closed`` (how = "closed"), ``f.closed is False``, ``f.closed == True``...:
    (name, is_positive, True, "closed"), where positive means "true when f is closed"."""
    if isinstance(test, ast.Attribute) and test.attr == "closed" and isinstance(test.value, ast.Name):
        return test.value.id, True, True, "closed"
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.comparators[0], ast.Constant):
        value = test.comparators[0].value
        inner = closed_test(test.left)
        if inner is not None and isinstance(value, bool) and isinstance(test.ops[0], (ast.Is, ast.IsNot, ast.Eq,
                                                                                        ast.NotEq)):
            positive = value if isinstance(test.ops[0], (ast.Is, ast.Eq)) else not value
            return inner[0], positive, True, "closed"
    return None


def identity_tests(test: ast.AST) -> list:
    """``file is not filename``: a freshly opened file is no other object, whichever side it is on."""
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.left, ast.Name) and isinstance(
        test.comparators[0], ast.Name
    ):
        positive = isinstance(test.ops[0], (ast.IsNot, ast.NotEq))
        if isinstance(test.ops[0], (ast.Is, ast.IsNot, ast.Eq, ast.NotEq)):
            return [(test.left.id, positive, True, "identity"), (test.comparators[0].id, positive, True, "identity")]
    return []


def _negated(decision):
    return None if decision is None else (decision[0], not decision[1], *decision[2:])


def handler_matches(handler: ast.ExceptHandler, kind: str) -> str:
    """Whether an ``except`` clause catches an exception of ``kind``: all, some or none of the time."""
    if handler.type is None:
        return "all"
    caught = exception_names(handler.type)
    if caught & BROAD_EXCEPTIONS:
        return "all"
    if kind == "io":
        return "all" if caught & OS_ERRORS else "some"
    if kind.startswith("name:"):
        raised = kind[5:]
        if raised in caught:
            return "all"
        if raised in OS_ERROR_SUBCLASSES and caught & OS_ERRORS:
            return "all"
        if _is_builtin_exception(raised) and all(_is_builtin_exception(name) for name in caught):
            return "none"
        return "some"
    return "some"


def _is_builtin_exception(name: str) -> bool:
    import builtins

    value = getattr(builtins, name, None)
    return isinstance(value, type) and issubclass(value, BaseException)


def exception_names(expr: ast.AST) -> set[str]:
    if isinstance(expr, ast.Tuple):
        return set().union(*(exception_names(e) for e in expr.elts)) if expr.elts else set()
    if isinstance(expr, ast.Name):
        return {expr.id}
    if isinstance(expr, ast.Attribute):
        return {expr.attr}
    return {"?"}


def catches_generator_exit(handler: ast.ExceptHandler) -> bool:
    return handler.type is None or bool(exception_names(handler.type) & {"GeneratorExit", "BaseException"})


def assigned_handler_name(handler: ast.ExceptHandler) -> frozenset[str]:
    return frozenset({handler.name}) if handler.name else frozenset()


def assigned_names(target: ast.AST) -> frozenset[str]:
    if type(target) is ast.Name:  # the common case, without a walk
        return frozenset((target.id,))
    return frozenset(n.id for n in ast.walk(target) if isinstance(n, ast.Name))


def names_call(call: ast.Call, name: str) -> bool:
    func = call.func
    return (isinstance(func, ast.Name) and func.id == name) or (isinstance(func, ast.Attribute) and func.attr == name)


def released_names(stmts: list[ast.stmt], methods: frozenset[str] = RELEASE_METHODS) -> set[str]:
    """Names a block releases anywhere in it: ``x.close()`` (``cap.release()``: any of ``methods``),
    ``with x``, ``closing(x)``, ``enter_context(x)``."""
    found: set[str] = set()
    loops: list[ast.AST] = []
    for stmt in stmts:
        for node in ast.walk(stmt):
            _count_release_node(node, methods, found, loops)
    _count_released_loops(loops, found)
    return found


def _count_release_node(node: ast.AST, methods: frozenset[str], found: set[str], loops: list[ast.AST]) -> None:
    """Add to ``found`` what ``node`` releases: ``x.close()`` (any of ``methods``), ``closing(x)``,
    ``enter_context(x)``, ``with x``; keep ``for`` loops in ``loops`` for :func:`_count_released_loops`."""
    if isinstance(node, ast.Call):
        if isinstance(node.func, ast.Attribute) and node.func.attr in methods:
            root = names.root_name(node.func.value)
            if root:
                found.add(root)
        elif names_call(node, "closing") or names_call(node, "enter_context"):
            found.update(a.id for a in node.args if isinstance(a, ast.Name))
    elif isinstance(node, ast.withitem) and isinstance(node.context_expr, ast.Name):
        found.add(node.context_expr.id)
    elif isinstance(node, (ast.For, ast.AsyncFor)):
        loops.append(node)


def _count_released_loops(loops: list[ast.AST], found: set[str]) -> None:
    for loop in loops:
        if assigned_names(loop.target) & found:
            # for item in items: item.close() closes what items holds
            iterable = loop.iter
            while isinstance(iterable, ast.Call) and iterable.args and names_call(iterable, "reversed"):
                iterable = iterable.args[0]
            root = names.root_name(iterable)
            if root:
                found.add(root)


class ReleaseIndex:
    """The nodes of one scope that :func:`released_names` counts, by line, so that what a
    block releases is read off the few such nodes inside it instead of walking the block."""

    def __init__(self, scope: Scope, methods: frozenset[str], parents: dict):
        self.parents = parents
        self.root = scope.node
        self.methods = methods
        found = []
        for order, node in enumerate(scope.nodes):
            kind = type(node)
            if kind is ast.Call:
                name = call_name(node)
                if name in methods or name == "closing" or name == "enter_context":
                    found.append((node.lineno, order, node))
            elif kind is ast.withitem:
                found.append((node.context_expr.lineno, order, node))
            elif kind in (ast.For, ast.AsyncFor, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
                found.append((node.lineno, order, node))
        found.sort(key=lambda entry: entry[:2])  # by line: an expression's parts are not met in line order
        self.entries = found
        self.lines = [line for line, _, _ in found]

    def released_in(self, stmts: list[ast.stmt]) -> set[str] | None:
        """What ``stmts`` release, or None when a nested definition lies among them."""
        if not stmts:
            return set()
        first, last = stmts[0].lineno, stmts[-1].end_lineno or stmts[-1].lineno
        start = bisect.bisect_left(self.lines, first)
        end = bisect.bisect_right(self.lines, last)
        if start == end:
            return set()
        block = {id(stmt) for stmt in stmts}
        inside = sorted((entry for entry in self.entries[start:end] if self._within(entry[2], block)),
                        key=lambda entry: entry[1])  # back in the order released_names meets them
        if any(isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) for _, _, node in inside):
            return None
        found: set[str] = set()
        loops: list[ast.AST] = []
        for _, _, node in inside:
            _count_release_node(node, self.methods, found, loops)
        _count_released_loops(loops, found)
        return found

    def _within(self, node: ast.AST, block: set[int]) -> bool:
        parents = self.parents
        while node is not None and node is not self.root:
            if id(node) in block:
                return True
            node = parents.get(node)
        return False


NESTED_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
COMPOUND_STATEMENTS = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try, ast.Match)


def walk_scope_expr(node: ast.AST, into_blocks: bool = False):
    """``ast.walk`` that does not enter nested functions, lambdas or classes, nor (unless
    ``into_blocks``) the statements inside a compound statement: only its header."""
    stack = [node]
    node_type = ast.AST
    while stack:
        current = stack.pop()
        yield current
        skip_blocks = not into_blocks and isinstance(current, COMPOUND_STATEMENTS)
        for name in current._fields:  # ast.iter_child_nodes, inlined, without Load/Store contexts
            if name == "ctx":
                continue
            value = getattr(current, name, None)
            for child in value if isinstance(value, list) else (value,):
                if not isinstance(child, node_type) or isinstance(child, NESTED_SCOPES):
                    continue
                if skip_blocks and isinstance(child, ast.stmt):
                    continue
                stack.append(child)


#: the kinds of expression node a statement's effects and raise plan read (see :meth:`FlowWalker.nodes_of`)
ACTIVE_NODES = frozenset({ast.Call, ast.Await, ast.NamedExpr, ast.Yield, ast.YieldFrom, ast.Lambda, ast.ListComp,
                          ast.SetComp, ast.GeneratorExp, ast.DictComp})
_NESTED_SCOPE_TYPES = frozenset(NESTED_SCOPES)
_COMPOUND_TYPES = frozenset(COMPOUND_STATEMENTS)


def active_nodes(root: ast.AST) -> list[ast.AST]:
    """The :data:`ACTIVE_NODES` among :func:`walk_scope_expr` ``(root)``, in the same order.

    The walk that every statement's facts start from, so it is written for speed: it visits
    each node once, skips fields that cannot hold a node (:func:`~.imports.child_fields`),
    and lists only what is read."""
    found = []
    stack = [root]
    pop, push = stack.pop, stack.append
    wanted, nested, compound, node_type = ACTIVE_NODES, _NESTED_SCOPE_TYPES, _COMPOUND_TYPES, ast.AST
    while stack:
        current = pop()
        kind = type(current)
        if kind in wanted:
            found.append(current)
        fields = CHILD_FIELDS.get(kind)
        if fields is None:
            fields = child_fields(kind)
        skip_blocks = kind in compound
        for name in reversed(fields):  # in field order, as walk_scope_expr pushes them
            value = getattr(current, name, None)
            if value is None:
                continue
            if type(value) is list:
                for child in value:
                    if isinstance(child, node_type) and type(child) not in nested and not (
                        skip_blocks and isinstance(child, ast.stmt)
                    ):
                        push(child)
            elif isinstance(value, node_type) and type(value) not in nested and not (
                skip_blocks and isinstance(value, ast.stmt)
            ):
                push(value)
    return found


def can_fall_through(stmt: ast.stmt) -> bool:
    if isinstance(stmt, (ast.Return, ast.Raise, ast.Break, ast.Continue)):
        return False
    if isinstance(stmt, ast.If):
        return not stmt.orelse or _block_falls(stmt.body) or _block_falls(stmt.orelse)
    if isinstance(stmt, ast.While) and isinstance(stmt.test, ast.Constant) and stmt.test.value:
        return any(isinstance(n, ast.Break) for n in ast.walk(stmt))
    return True


def _block_falls(stmts: list[ast.stmt]) -> bool:
    return all(can_fall_through(s) for s in stmts)


#: builtins that copy a container: tuple(images) keeps every image that images holds
CONTAINER_COPIES = frozenset(
    {"builtins.list", "builtins.tuple", "builtins.sorted", "builtins.set", "builtins.frozenset", "builtins.dict",
     "builtins.reversed"}
)


def held_names(expr: ast.AST, finder: SourceFinder, scope: Scope, containers=frozenset(), keeps=None,
               detached=None) -> set[str]:
    """Names whose object ``expr``'s value may be or contain (and so keep alive).

    ``containers``: local names known to hold resources in a container (so ``tuple(images)``
    keeps them); ``keeps(func)``: for a call to a function of the module, the indexes of the
    arguments it may return or store, or None when the callee is unknown; ``detached``: local
    names of resources whose items are read into memory (``data["x"]`` of an npz archive, see
    :func:`~.kinds.detached_item`), name -> how."""

    def held(node: ast.AST) -> set[str]:
        return held_names(node, finder, scope, containers, keeps, detached)

    if isinstance(expr, ast.Name):
        return {expr.id}
    if isinstance(expr, (ast.Tuple, ast.List, ast.Set)):
        return set().union(*(held(e) for e in expr.elts)) if expr.elts else set()
    if isinstance(expr, ast.Dict):
        return set().union(*(held(v) for v in expr.values if v is not None)) if expr.values else set()
    if isinstance(expr, (ast.Starred, ast.NamedExpr, ast.Await)):
        return held(expr.value)
    if isinstance(expr, ast.IfExp):
        return held(expr.body) | held(expr.orelse)
    if isinstance(expr, ast.BoolOp):
        return set().union(*(held(v) for v in expr.values))
    if isinstance(expr, ast.Subscript):
        if detached and detached_item(expr, detached):
            return set()
        return held(expr.value)
    if isinstance(expr, ast.Attribute):
        # a bound method keeps its object: return zf.close, self.log = out.write
        if isinstance(expr.value, ast.Name) and (expr.attr in BOUND_METHODS_KEPT or expr.attr in finder.release_methods):
            return {expr.value.id}
        return set()
    if isinstance(expr, ast.Lambda):
        return {n.id for n in ast.walk(expr.body) if isinstance(n, ast.Name)}
    if isinstance(expr, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
        # [im for im in images] keeps what images holds; [im.size for im in images] does not
        element = expr.value if isinstance(expr, ast.DictComp) else expr.elt
        targets = set()
        for generator in expr.generators:
            targets |= assigned_names(generator.target)
        items = detached and inherited_detached(expr.generators, detached)
        found = held_names(element, finder, scope, containers, keeps, {**detached, **items}) if items else held(element)
        if found & targets:
            for generator in expr.generators:
                found |= held(generator.iter)
        return found - targets
    if isinstance(expr, ast.Call):
        func = expr.func
        if isinstance(func, ast.Attribute) and func.attr in {"__enter__", "pop", "popleft", "get", "values", "items",
                                                              "setdefault"}:
            if detached and isinstance(func.value, ast.Name) and detached.get(func.value.id) == "all":
                return set()  # data.items() of an npz archive: arrays read into memory
            return held(func.value)
        # the receiver of a method is not kept: img.convert() is a new image; other.wrap(img) may keep img
        qualified = finder.qualify(func, scope)
        if qualified in CONTAINER_COPIES:
            found = {name for arg in expr.args for name in held(arg) if name in containers}
            return found | {name for keyword in expr.keywords for name in held(keyword.value)}  # dict(stream=f)
        if names.is_reader_call(func, qualified):
            return set()
        kept_indexes = keeps(func) if keeps is not None else None
        if kept_indexes is not None:
            return {name for index, arg in enumerate(expr.args) if index in kept_indexes for name in held(arg)}
        if not result_holds_arguments(func, qualified, finder, scope):
            # a call lint_fd cannot see reads its arguments: its result does not carry them
            return set()
        found: set[str] = set()
        for arg in [*expr.args, *(keyword.value for keyword in expr.keywords)]:
            found |= held(arg)
            if isinstance(arg, ast.Attribute) and isinstance(arg.value, ast.Name) and arg.attr in BOUND_METHODS_KEPT:
                found.add(arg.value.id)  # Thread(target=f.read): the object keeps the bound method
        return found
    return set()


class StatementFacts:
    """What one statement (or a compound statement's header) does to names."""

    def __init__(self, walker: FlowWalker, stmt: ast.stmt, exprs: list[ast.AST], env: Env):
        self.released: set[str] = set()
        self.escaped: set[str] = set()
        self.yields = False
        self.return_value: ast.AST | None = None
        self.bindings: list[tuple[frozenset[str], ast.AST]] = []
        self.container_adds: list[tuple[str, ast.AST]] = []
        self.killed: set[str] = set()
        self.flags_set: list[tuple[str, bool]] = []
        self._walker = walker
        scope = walker.scope
        if len(exprs) == 1 and exprs[0] is stmt:
            if type(stmt) is ast.Return:
                self.return_value = stmt.value
            self._statement_bindings(stmt, scope)
        comprehension_sources: dict[str, str] = {}
        for node in walker.nodes_of(exprs):
            if type(node) is ast.Call:
                self._call(node, scope, comprehension_sources)
            else:
                self._node(node, scope, comprehension_sources)
        del self._walker  # the walker keeps the facts: a reference back would make every walk a cycle

    def _statement_bindings(self, stmt: ast.stmt, scope: Scope) -> None:
        if isinstance(stmt, ast.Assign):
            value = stmt.value
            for target in stmt.targets:
                self._bind(target, value, scope)
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            self._bind(stmt.target, stmt.value, scope)
        elif isinstance(stmt, ast.Delete):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    self.killed.add(target.id)
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            for alias in stmt.names:
                if alias.name != "*":
                    self.killed.add(alias.asname or alias.name.split(".", 1)[0])
        elif isinstance(stmt, (ast.Global, ast.Nonlocal)):
            pass

    def _bind(self, target: ast.AST, value: ast.AST, scope: Scope) -> None:
        if isinstance(target, ast.Name):
            self.killed.add(target.id)
            self.bindings.append((frozenset({target.id}), value))
            if isinstance(value, ast.Constant) and isinstance(value.value, (bool, int)):
                self.flags_set.append((target.id, bool(value.value)))
        elif isinstance(target, (ast.Tuple, ast.List)):
            if isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(target.elts):
                for sub_target, sub_value in zip(target.elts, value.elts):
                    self._bind(sub_target, sub_value, scope)
            else:
                targets = assigned_names(target)
                self.killed |= targets
                self.bindings.append((targets, value))
        elif isinstance(target, ast.Starred):
            self._bind(target.value, value, scope)
        elif isinstance(target, ast.Subscript):
            root = names.root_name(target.value)
            if root is not None and names.is_local_container(root, scope):
                self.container_adds.append((root, value))
            else:
                self.escaped |= self._walker.held(value)
        else:  # attribute store: ownership moves to the object
            self.escaped |= self._walker.held(value)

    def _node(self, node: ast.AST, scope: Scope, comprehension_sources: dict[str, str]) -> None:
        walker = self._walker
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            self.yields = True
            if node.value is not None:
                self.escaped |= walker.held(node.value)
        elif isinstance(node, ast.NamedExpr):
            self.killed.add(node.target.id)
            self.bindings.append((frozenset({node.target.id}), node.value))
        elif isinstance(node, ast.Lambda):
            self.escaped |= {n.id for n in ast.walk(node.body) if isinstance(n, ast.Name)}
        elif isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            for generator in node.generators:
                source = names.root_name(generator.iter)
                if source:
                    for name in assigned_names(generator.target):
                        comprehension_sources[name] = source
        elif isinstance(node, ast.Call):
            self._call(node, scope, comprehension_sources)

    def _call(self, call: ast.Call, scope: Scope, comprehension_sources: dict[str, str]) -> None:
        walker = self._walker
        func = call.func
        if isinstance(func, ast.Attribute):
            if func.attr in walker.finder.release_methods:
                root = names.root_name(func.value)
                if root:
                    self.released.add(comprehension_sources.get(root, root))
                return
            if func.attr == "enter_context":
                for arg in call.args:
                    self.released |= walker.held(arg)
                return
            if func.attr in CONTAINER_ADDERS:
                root = names.root_name(func.value)
                values = [*call.args, *(k.value for k in call.keywords)]
                if func.attr == "setdefault" or func.attr == "insert":
                    values = values[1:]
                for value in values:
                    if root is not None and names.is_local_container(root, scope):
                        self.container_adds.append((root, value))
                    else:
                        self.escaped |= walker.held(value)
                return
        arguments = [*call.args, *(k.value for k in call.keywords)]
        keeping_method = isinstance(func, ast.Attribute) and is_keeping_method(func.attr)
        if keeping_method:
            receiver = names.root_name(func.value)
            keeping_method = receiver is None or not names.is_local_container(receiver, scope)
        qualified = walker.finder.qualify(func, scope)
        if matches_setting(qualified, func, walker.finder.release_functions):
            for arg in arguments:
                self.released |= walker.held(arg)  # release-functions close what they receive
            return
        if matches_setting(qualified, func, walker.finder.keeper_functions):
            for arg in arguments:
                self.escaped |= walker.held(arg)  # keeper-functions take ownership
            return
        for arg in arguments:
            if isinstance(arg, ast.Attribute) and isinstance(arg.value, ast.Name) and isinstance(arg.ctx, ast.Load):
                if arg.attr in walker.finder.release_methods:
                    # stack.callback(f.close), atexit.register(f.close): closed by whoever calls it
                    self.released.add(arg.value.id)
                elif arg.attr in BOUND_METHODS_KEPT and keeping_method:
                    # tracer.setwriter(err.write): a setter keeps the bound method, and so the file;
                    # executor.submit(f.read) only calls it
                    self.escaped.add(arg.value.id)
        if keeping_method:
            # source.setByteStream(f), registry.register(img): a setter keeps what it is given
            for arg in arguments:
                self.escaped |= walker.held(arg)
        if qualified == "builtins.setattr" and len(call.args) >= 3:
            self.escaped |= walker.held(call.args[2])
        local = local_callee(func, scope)
        if local is not None:
            summaries = self._walker.summaries
            for index in summaries.closer_params(*local):
                if index < len(call.args):
                    self.released |= walker.held(call.args[index])
            for index in summaries.keeper_params(*local):
                if index < len(call.args):
                    self.escaped |= walker.held(call.args[index])


