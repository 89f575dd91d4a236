"""Where each opening call puts its resource.

A pre-pass over one scope finds every call that creates a resource and decides,
from the syntax around it alone, what happens to the result:

* ``BOUND``: bound to names (``img = Image.open(p)``) and followed by the flow walk;
* ``MANAGED``: ``with Image.open(p) as img``, ``stack.enter_context(open(p))``;
* ``RELEASED``: ``open(p, "a").close()``;
* ``ESCAPED``: returned, yielded, stored on an attribute;
* ``TEMPORARY``: never bound (``np.asarray(Image.open(p))``), LFD104.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from enum import Enum

from .ownership import matches_setting, result_holds_arguments
from .resources import ResourceKind, Scope, SourceFinder
from . import names


class Fate(Enum):
    BOUND = "bound"
    MANAGED = "managed"
    RELEASED = "released"
    ESCAPED = "escaped"
    TEMPORARY = "temporary"


@dataclass(eq=False)
class Site:
    """One opening call and what the analysis learnt about its resource."""

    call: ast.Call
    kind: ResourceKind
    fate: Fate
    statement: ast.stmt | None = None
    aliases: frozenset[str] = frozenset()
    in_loop: bool = False
    accumulated: bool = False  # created in a comprehension, or put in a container inside a loop
    contained: bool = False
    leaked_normal: bool = False
    leaked_error: bool = False
    lost_after_handler: bool = False  # left open by a path that went through an ``except`` and went on
    escaped: bool = False
    released: bool = False
    walrus: bool = False
    returned: bool = False  # handed to the caller by a return on some path
    iterated_by: ast.AST | None = None  # the for loop whose iterable it is (for line in open(p))
    open_across_yield: bool = False
    unprotected_yield: bool = False


CONTAINER_ADDERS = frozenset(
    {"append", "add", "insert", "extend", "appendleft", "extendleft", "put", "put_nowait", "setdefault", "update", "push"}
)
COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp)
LOOPS = (ast.For, ast.AsyncFor, ast.While)


@dataclass
class ScopeSites:
    sites: list[Site] = field(default_factory=list)
    by_statement: dict[ast.stmt, list[Site]] = field(default_factory=dict)
    #: statements (by id) that contain an opening call followed by the flow walk
    statements_with_sites: set[int] = field(default_factory=set)


def find_sites(scope: Scope, finder: SourceFinder, parents: dict[ast.AST, ast.AST]) -> ScopeSites:
    """Every opening call of ``scope`` with its fate decided from the syntax around it."""
    result = ScopeSites()
    for node in scope.of_type(ast.Call):
        kind = finder.resource_kind(node, scope)
        if kind is not None:
            site = _classify(node, kind, scope, finder, parents)
        else:
            site = _mapped_opener(node, scope, finder, parents)
            if site is None:
                continue
        result.sites.append(site)
        if site.fate is Fate.BOUND and site.statement is not None:
            result.by_statement.setdefault(site.statement, []).append(site)
            _mark_enclosing(site.statement, parents, scope, result.statements_with_sites)
    return result


def _mapped_opener(call: ast.Call, scope: Scope, finder: SourceFinder, parents) -> Site | None:
    """``list(map(Image.open, paths))``, ``pool.map(open, paths)``: one resource per item, made
    by the map call itself (reported there)."""
    func = call.func
    if not call.args or isinstance(func, ast.Attribute) and func.attr not in {"map", "imap"}:
        return None  # an attribute qualifies to a dotted name that ends with it: not builtins.map
    is_builtin_map = finder.qualify(func, scope) == "builtins.map"
    is_pool_map = isinstance(func, ast.Attribute)
    if not (is_builtin_map or is_pool_map):
        return None
    opener = call.args[0]
    if isinstance(opener, ast.Lambda) and isinstance(opener.body, ast.Call):
        kind = finder.resource_kind(opener.body, scope)  # map(lambda p: Image.open(p), paths)
    else:
        probe = ast.Call(func=opener, args=[ast.Name("p", ast.Load())], keywords=[])
        kind = finder.resource_kind(probe, scope)
    if kind is None:
        return None
    site = Site(call, kind, Fate.TEMPORARY, _statement_of(call, parents))
    site.in_loop = _in_loop(call, parents, scope)
    parent = parents.get(call)
    if is_builtin_map and not (
        isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name) and parent.func.id in MATERIALISERS
    ):
        return site  # a lazy map opens one at a time: a temporary per item
    holder = parent if is_builtin_map else call
    site.accumulated = site.contained = True
    site.fate, site.aliases = _holder_fate(holder, scope, finder, parents)
    return site


#: method-name prefixes of calls that store their argument on the receiver
KEEPING_METHOD_PREFIXES = ("set", "add", "register", "attach", "push", "put", "store", "track", "append", "insert")


def is_keeping_method(name: str) -> bool:
    """Whether a method keeps what it is given on its receiver: a setter-like name
    (``source.setByteStream(f)``, ``registry.register(img)``) or an initialiser
    (``super().__init__(f)``, ``Base.__init__(self, f)``: the object being built keeps
    its arguments, and goes wherever that object goes)."""
    return name == "__init__" or name.lower().startswith(KEEPING_METHOD_PREFIXES)


def _receiver_keeps(func: ast.AST, scope: Scope) -> bool:
    """A keeping method (:func:`is_keeping_method`) of something that outlives the scope:
    ``images.append(img)`` on a local list is followed instead, as a container."""
    if not isinstance(func, ast.Attribute) or not is_keeping_method(func.attr):
        return False
    receiver = names.root_name(func.value)
    return receiver is None or not names.is_local_container(receiver, scope)


def local_callee(func: ast.AST, scope: Scope) -> tuple[str, bool] | None:
    """(name, is_method) when a call may go to a function or method of this module."""
    if isinstance(func, ast.Name) and func.id not in scope.local_names:
        return func.id, False
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in {"self", "cls"}:
        return func.attr, True
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id not in scope.local_names:
        return f"{func.value.id}.{func.attr}", False  # a function of another module: helpers.close_all(f)
    return None


def _mark_enclosing(stmt: ast.AST, parents, scope: Scope, marked: set[int]) -> None:
    node = stmt
    while node is not None and node is not scope.node and id(node) not in marked:
        marked.add(id(node))  # an already marked node has all its ancestors marked
        node = parents.get(node)


def _in_loop(node: ast.AST, parents, scope: Scope) -> bool:
    """Whether ``node`` runs once per iteration of a loop of its scope (remembered per statement)."""
    memo = scope.loop_memo
    visited: list[ast.AST] = []
    child = node
    parent = parents.get(node)
    answer = False
    while parent is not None and parent is not scope.node:
        if isinstance(child, ast.stmt) and id(child) in memo:
            answer = memo[id(child)]
            break
        visited.append(child)
        if isinstance(parent, LOOPS) and child not in getattr(parent, "orelse", ()) and child is not getattr(parent, "iter", None):
            answer = True
            break
        if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            break
        child, parent = parent, parents.get(parent)
    for seen in visited:
        if isinstance(seen, ast.stmt):
            memo[id(seen)] = answer
    return answer


def _statement_of(node: ast.AST, parents) -> ast.stmt | None:
    while node is not None and not isinstance(node, ast.stmt):
        node = parents.get(node)
    return node


def _classify(call: ast.Call, kind: ResourceKind, scope: Scope, finder: SourceFinder, parents) -> Site:
    site = Site(call, kind, Fate.TEMPORARY, _statement_of(call, parents))
    site.in_loop = _in_loop(call, parents, scope)
    node: ast.AST = call
    parent = parents.get(node)
    while True:
        # transparent wrappers around the value: x if c else y, a or b, (x := ...)
        if isinstance(parent, (ast.IfExp,)) and node is not parent.test:
            node, parent = parent, parents.get(parent)
            continue
        if isinstance(parent, ast.BoolOp):
            node, parent = parent, parents.get(parent)
            continue
        if isinstance(parent, ast.Await):
            node, parent = parent, parents.get(parent)
            continue
        break

    if isinstance(parent, ast.withitem) and node is parent.context_expr:
        site.fate = Fate.MANAGED
    elif isinstance(parent, (ast.Return, ast.Yield, ast.YieldFrom)):
        site.fate = Fate.ESCAPED
    elif isinstance(parent, ast.Lambda):
        site.fate = Fate.ESCAPED
    elif isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        site.fate = Fate.ESCAPED  # a default value (decorator argument) lives as long as its function
    elif isinstance(parent, ast.Attribute):
        grand = parents.get(parent)
        if isinstance(grand, ast.Call) and grand.func is parent and parent.attr in finder.release_methods:
            site.fate = Fate.RELEASED
        # else: Image.open(p).convert(...) / open(p).read() / Image.open(p).size -> temporary
    elif isinstance(parent, (ast.Assign, ast.AnnAssign, ast.NamedExpr)) and node is parent.value:
        _bind_to_targets(site, parent, scope)
        site.walrus = isinstance(parent, ast.NamedExpr)
    elif isinstance(parent, (ast.Tuple, ast.List)) and isinstance(parents.get(parent), ast.Assign) and \
            isinstance(parents[parent].targets[0], (ast.Tuple, ast.List)) and parent is parents[parent].value:
        assign = parents[parent]
        target = assign.targets[0]
        index = parent.elts.index(node) if node in parent.elts else -1
        if 0 <= index < len(target.elts) and len(target.elts) == len(parent.elts):
            _bind_target(site, target.elts[index], scope)
        else:
            site.fate = Fate.ESCAPED
    elif isinstance(parent, (ast.Tuple, ast.List, ast.Set, ast.Dict, ast.Starred)):
        # a literal container: the container is the holder
        holder_fate = _container_fate(parent, scope, parents)
        if holder_fate is not None:
            site.fate, site.aliases = holder_fate
            site.contained = True
    elif isinstance(parent, (ast.comprehension,)):
        site.fate = Fate.TEMPORARY  # for x in open(p) inside a comprehension
    elif isinstance(parent, (ast.For, ast.AsyncFor)) and node is parent.iter:
        site.fate = Fate.TEMPORARY  # for line in open(p): open for the whole loop
        site.iterated_by = parent
    elif isinstance(parent, COMPREHENSIONS + (ast.GeneratorExp,)) and node in (
        getattr(parent, "elt", None), getattr(parent, "value", None)
    ):
        _classify_comprehension(site, parent, scope, finder, parents)
    elif isinstance(parent, ast.keyword):
        _classify_argument(site, parents.get(parent), node, scope, finder, parents)
    elif isinstance(parent, ast.Call) and node is not parent.func:
        _classify_argument(site, parent, node, scope, finder, parents)
    elif isinstance(parent, ast.Subscript) and node is parent.value:
        site.fate = Fate.TEMPORARY
    if site.fate is Fate.BOUND and site.contained and site.in_loop:
        site.accumulated = True
    return site


def _bind_to_targets(site: Site, assign: ast.AST, scope: Scope) -> None:
    targets = assign.targets if isinstance(assign, ast.Assign) else [assign.target]
    element = site.kind.element
    for target in targets:
        if element is not None and isinstance(target, (ast.Tuple, ast.List)):
            # cap, fps = open_video(p): the resource is the name at its position in the tuple
            elements = target.elts
            if element >= len(elements) or any(isinstance(e, ast.Starred) for e in elements):
                site.fate = Fate.ESCAPED  # unpacked some other way: not followed
                continue
            target = elements[element]
        _bind_target(site, target, scope)


def _bind_target(site: Site, target: ast.AST, scope: Scope) -> None:
    if isinstance(target, ast.Name):
        if target.id in scope.escaping:
            site.fate = Fate.ESCAPED
            return
        if site.fate is not Fate.ESCAPED:
            site.fate = Fate.BOUND
            site.aliases = site.aliases | {target.id}
    elif isinstance(target, ast.Subscript):
        root = names.root_name(target.value)
        if root is not None and names.is_local_container(root, scope):
            if site.fate is not Fate.ESCAPED:
                site.fate = Fate.BOUND
                site.aliases = site.aliases | {root}
                site.contained = True
        else:
            site.fate = Fate.ESCAPED
    else:  # attribute, starred, tuple unpacking of one resource: ownership goes elsewhere
        site.fate = Fate.ESCAPED


def _container_fate(container: ast.AST, scope: Scope, parents):
    node = container
    parent = parents.get(node)
    while isinstance(parent, (ast.Tuple, ast.List, ast.Set, ast.Dict, ast.Starred, ast.IfExp, ast.BoolOp)):
        node, parent = parent, parents.get(parent)
    if isinstance(parent, (ast.Return, ast.Yield, ast.YieldFrom, ast.Lambda)):
        return Fate.ESCAPED, frozenset()
    if isinstance(parent, (ast.Assign, ast.AnnAssign)) and node is parent.value:
        targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
        if len(targets) == 1 and isinstance(targets[0], ast.Name) and targets[0].id not in scope.escaping:
            return Fate.BOUND, frozenset({targets[0].id})
        if len(targets) == 1 and isinstance(targets[0], (ast.Tuple, ast.List)):
            return None  # a, b = open(x), open(y) handled elementwise above
        return Fate.ESCAPED, frozenset()
    if isinstance(parent, ast.Call):
        return _call_holder_fate(parent, scope, parents)
    return Fate.TEMPORARY, frozenset()


def _call_holder_fate(call: ast.Call, scope: Scope, parents):
    """A container passed to a call: ``lst.append((name, open(p)))``."""
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in CONTAINER_ADDERS:
        root = names.root_name(func.value)
        if root is not None and names.is_local_container(root, scope):
            return Fate.BOUND, frozenset({root})
        return Fate.ESCAPED, frozenset()
    return Fate.TEMPORARY, frozenset()


def _classify_comprehension(site: Site, comp: ast.AST, scope: Scope, finder: SourceFinder, parents) -> None:
    """``[Image.open(p) for p in paths]``: all kept together, LFD103 unless released or escaping."""
    node = comp
    parent = parents.get(node)
    if isinstance(comp, ast.GeneratorExp):
        # a lazy generator expression opens one at a time unless something materialises it
        materialised = isinstance(parent, ast.Call) and (
            (isinstance(parent.func, ast.Name) and parent.func.id in MATERIALISERS)
            or (isinstance(parent.func, ast.Attribute) and parent.func.attr in {"extend", "update"})
        )
        if not materialised:
            site.fate = Fate.TEMPORARY
            return
        if isinstance(parent.func, ast.Name):
            node, parent = parent, parents.get(parent)
    site.accumulated = True
    site.contained = True
    site.fate, site.aliases = _holder_fate(node, scope, finder, parents)


MATERIALISERS = frozenset({"list", "tuple", "set", "sorted", "dict", "frozenset"})


def _holder_fate(node: ast.AST, scope: Scope, finder: SourceFinder, parents) -> tuple[Fate, frozenset[str]]:
    """What becomes of a value that holds resources (a comprehension, a container, a wrapper).

    BOUND with no names means: kept alive together for one statement, then dropped."""
    parent = parents.get(node)
    if isinstance(parent, (ast.Return, ast.Yield, ast.YieldFrom, ast.Lambda)):
        return Fate.ESCAPED, frozenset()
    if isinstance(parent, (ast.Assign, ast.AnnAssign, ast.NamedExpr)) and node is parent.value:
        targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
        target = targets[0]
        if isinstance(target, ast.Name):
            if target.id in scope.escaping:
                return Fate.ESCAPED, frozenset()
            return Fate.BOUND, frozenset({target.id})
        if isinstance(target, ast.Subscript):
            root = names.root_name(target.value)
            if root is not None and names.is_local_container(root, scope):
                return Fate.BOUND, frozenset({root})
        return Fate.ESCAPED, frozenset()
    if isinstance(parent, (ast.ListComp, ast.SetComp, ast.GeneratorExp)) and node is parent.elt or (
        isinstance(parent, ast.DictComp) and node is parent.value
    ):
        return _holder_fate(parent, scope, finder, parents)
    if isinstance(parent, (ast.Tuple, ast.List, ast.Set, ast.Dict, ast.Starred, ast.IfExp, ast.BoolOp)):
        return _holder_fate(parent, scope, finder, parents)
    if isinstance(parent, ast.keyword):
        node, parent = parent, parents.get(parent)
    if isinstance(parent, ast.Call) and node is not parent.func:
        func = parent.func
        if isinstance(func, ast.Attribute) and func.attr in CONTAINER_ADDERS:
            root = names.root_name(func.value)
            if root is not None and names.is_local_container(root, scope):
                return Fate.BOUND, frozenset({root})
            return Fate.ESCAPED, frozenset()
        qualified = finder.qualify(func, scope)
        if matches_setting(qualified, func, finder.keeper_functions):
            return Fate.ESCAPED, frozenset()  # the user says it takes ownership
        if matches_setting(qualified, func, finder.release_functions):
            return Fate.RELEASED, frozenset()
        if names.is_reader_call(func, qualified):
            return Fate.BOUND, frozenset()
        index = parent.args.index(node) if node in parent.args else None
        local = local_callee(func, scope)
        if local is not None and index is not None and finder.summaries is not None:
            if index in finder.summaries.closer_params(*local):
                return Fate.RELEASED, frozenset()
            if index in finder.summaries.keeper_params(*local):
                return Fate.ESCAPED, frozenset()
        if _receiver_keeps(func, scope):
            return Fate.ESCAPED, frozenset()  # registry.register([...]), super().__init__([...])
        if result_holds_arguments(func, qualified, finder, scope):
            return _holder_fate(parent, scope, finder, parents)
        # a call lint_fd cannot see reads what it is given, whatever becomes of its result:
        # the resources are kept alive together for the statement, then dropped
        return Fate.BOUND, frozenset()
    return Fate.BOUND, frozenset()


def _classify_argument(site: Site, call: ast.AST, arg: ast.AST, scope: Scope, finder: SourceFinder, parents) -> None:
    if not isinstance(call, ast.Call):
        return
    func = call.func
    qualified = finder.qualify(func, scope)
    short = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if short == "enter_context" or qualified in {"contextlib.closing"} and isinstance(parents.get(call), ast.withitem):
        site.fate = Fate.MANAGED
        return
    if matches_setting(qualified, func, finder.keeper_functions):
        site.fate = Fate.ESCAPED  # keeper-functions: the user says it takes ownership
        return
    if matches_setting(qualified, func, finder.release_functions):
        site.fate = Fate.RELEASED  # release-functions: the user says it closes what it receives
        return
    if isinstance(func, ast.Attribute) and short in CONTAINER_ADDERS:
        root = names.root_name(func.value)
        if root is not None and names.is_local_container(root, scope):
            site.fate = Fate.BOUND
            site.aliases = frozenset({root})
            site.contained = True
        else:
            site.fate = Fate.ESCAPED
        return
    if names.is_reader_call(func, qualified):
        site.fate = Fate.TEMPORARY
        return
    index = call.args.index(arg) if arg in call.args else None
    local = local_callee(func, scope)
    if local is not None and index is not None and finder.summaries is not None:
        if index in finder.summaries.closer_params(*local):
            site.fate = Fate.RELEASED  # process_and_close(Image.open(p))
            return
        if index in finder.summaries.keeper_params(*local):
            site.fate = Fate.ESCAPED  # self.register(Image.open(p)) storing it on self
            return
    if _receiver_keeps(func, scope):
        site.fate = Fate.ESCAPED  # source.setByteStream(open(p)): the receiver keeps it
        return
    if result_holds_arguments(func, qualified, finder, scope):
        # a wrapper keeps the resource: it is as alive as the wrapper
        outer = _classify(call, site.kind, scope, finder, parents)
        site.fate = outer.fate
        site.aliases = outer.aliases
        site.contained = outer.contained
        site.statement = outer.statement
        site.iterated_by = outer.iterated_by
        return
    # a function lint_fd cannot see reads the resource and does not own it, whatever
    # becomes of its result (``return process(Image.open(p))`` hands back no image)
    site.fate = Fate.TEMPORARY
