"""Generator facts: which generator functions hold a resource across ``yield``,
which are infinite, and how each generator object they make is consumed."""
from __future__ import annotations

import ast
from dataclasses import dataclass

from .flow import walk_scope_expr
from .resources import Scope, SourceFinder, call_name

FULL_CONSUMERS = frozenset(
    {"list", "tuple", "set", "frozenset", "sorted", "sum", "dict", "max", "min", "join", "array", "asarray",
     "stack", "concatenate", "deque", "Counter", "extend", "update", "writelines", "from_iter", "fromiter"}
)
PARTIAL_CONSUMERS = frozenset({"next", "islice", "anext"})


@dataclass
class GeneratorInfo:
    """A generator function of the module."""

    name: str
    holds_resource: bool = False
    infinite: bool = False


def is_generator_function(nodes: list) -> bool:
    return any(isinstance(node, (ast.Yield, ast.YieldFrom)) for node in nodes)


def is_context_manager(func: ast.AST) -> bool:
    for decorator in getattr(func, "decorator_list", ()):
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
        if name in {"contextmanager", "asynccontextmanager", "fixture", "yield_fixture"}:
            return True
    return False


def holds_managed_resource_across_yield(scope: Scope, finder: SourceFinder) -> bool:
    """``with open(p) as f: ... yield line``: protected, but held while suspended.
    Yielding the managed resource itself hands it to the consumer."""
    for node in scope.nodes:
        if not isinstance(node, (ast.With, ast.AsyncWith)):
            continue
        targets = set()
        managed = False
        for item in node.items:
            expr = item.context_expr
            if isinstance(expr, ast.Call) and finder.resource_kind(expr, scope) is not None:
                managed = True
                if isinstance(item.optional_vars, ast.Name):
                    targets.add(item.optional_vars.id)
        if not managed:
            continue
        for stmt in node.body:
            for inner in walk_scope_expr_deep(stmt):
                if isinstance(inner, (ast.Yield, ast.YieldFrom)):
                    if isinstance(inner, ast.Yield) and yielded_names(inner.value) & targets:
                        # `yield f`, `yield path, f`, `yield {"stream": f}` hand the file over;
                        # `yield from f` yields its lines
                        continue
                    return True
    return False


def yielded_names(value: ast.AST | None) -> set[str]:
    """Names a yielded value hands over itself or inside a literal container."""
    if isinstance(value, ast.Name):
        return {value.id}
    if isinstance(value, (ast.Tuple, ast.List, ast.Set)):
        return set().union(*(yielded_names(e) for e in value.elts)) if value.elts else set()
    if isinstance(value, ast.Dict):
        return set().union(*(yielded_names(v) for v in value.values)) if value.values else set()
    if isinstance(value, ast.Starred):
        return yielded_names(value.value)
    return set()


def walk_scope_expr_deep(node: ast.AST):
    """Every node under ``node`` without entering nested functions, lambdas or classes."""
    return walk_scope_expr(node, into_blocks=True)


def is_infinite(nodes: list) -> bool:
    """A ``while True`` loop that yields and has no ``break`` or ``return`` of its own."""
    for node in nodes:
        if isinstance(node, ast.While) and isinstance(node.test, ast.Constant) and node.test.value:
            yields = any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in walk_scope_expr_deep(node))
            if yields and not loop_has_exit(node, count_raise=False):
                return True
    return False


def loop_has_exit(loop: ast.AST, count_raise: bool = True) -> bool:
    """A ``break`` of this loop (not of an inner one), a ``return`` (or ``raise``) in its body."""
    stack = list(loop.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Break):
            return True
        if isinstance(node, ast.Return) or (count_raise and isinstance(node, ast.Raise)):
            return True
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                continue
            if isinstance(node, (ast.For, ast.AsyncFor, ast.While)) and isinstance(child, ast.Break):
                continue
            if isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
                # breaks inside a nested loop belong to it; returns/raises still leave ours
                if child in node.body or child in node.orelse:
                    stack.extend(_exits_only(child, count_raise))
                    continue
            stack.append(child)
    return False


def _exits_only(node: ast.AST, count_raise: bool):
    """Nodes under an inner loop that can still leave the outer one (return/raise), as a list."""
    found = []
    for inner in walk_scope_expr_deep(node):
        if isinstance(inner, ast.Return) or (count_raise and isinstance(inner, ast.Raise)):
            found.append(inner)
    return found


def body_yields(loop: ast.AST) -> bool:
    return any(isinstance(n, (ast.Yield, ast.YieldFrom)) for stmt in loop.body for n in walk_scope_expr_deep(stmt))


class GeneratorUse:
    """How one scope uses the generator objects of resource-holding generator functions (LFD302)."""

    def __init__(self, scope: Scope, finder: SourceFinder, parents: dict, functions: dict[str, GeneratorInfo],
                 methods: dict[str, GeneratorInfo]):
        self.scope = scope
        self.finder = finder
        self.parents = parents
        self.functions = functions
        self.methods = methods

    def generator_of(self, call: ast.Call) -> GeneratorInfo | None:
        func = call.func
        if isinstance(func, ast.Name) and func.id not in self.scope.local_names:
            return self.functions.get(func.id)
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in {"self", "cls"}:
            return self.methods.get(func.attr)
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id not in \
                self.scope.local_names:
            return self.functions.get(f"{func.value.id}.{func.attr}")  # from . import streams; streams.rows(p)
        return None

    def unclosed_calls(self) -> list[tuple[ast.Call, GeneratorInfo]]:
        found = []
        for node in self.scope.nodes:
            if isinstance(node, ast.Call):
                info = self.generator_of(node)
                if info is not None and info.holds_resource and self.not_closed(node, info):
                    found.append((node, info))
        return found

    # -- the decision -------------------------------------------------------
    def not_closed(self, call: ast.Call, info: GeneratorInfo) -> bool:
        value, parent = call, self.parents.get(call)
        while isinstance(parent, ast.IfExp) and value is not parent.test:
            value, parent = parent, self.parents.get(parent)  # g = rows(p) if p else rows(q): g is either
        if isinstance(parent, (ast.Assign, ast.AnnAssign, ast.NamedExpr)) and value is parent.value:
            targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
            if len(targets) == 1 and isinstance(targets[0], ast.Name) and targets[0].id not in self.scope.escaping:
                return self.bound_not_closed(targets[0].id, info)
            return False  # stored on an attribute or a global: its owner closes it
        verdict = self.use_verdict(call, info)
        return verdict in {"partial", "infinite"}

    def use_verdict(self, expr: ast.AST, info: GeneratorInfo) -> str:
        """One use of a generator object: closed / escape / full / partial / infinite / none."""
        parent = self.parents.get(expr)
        if isinstance(parent, ast.IfExp) and expr is not parent.test:
            return self.use_verdict(parent, info)  # for row in (rows(p) if p else rows(q)): either one
        if isinstance(parent, ast.Call) and expr is not parent.func:
            name = call_name(parent)
            if name == "closing":
                grand = self.parents.get(parent)
                if isinstance(grand, ast.withitem) or (isinstance(grand, ast.Call) and call_name(grand) == "enter_context"):
                    return "closed"
                return self.use_verdict(parent, info)
            if name == "enter_context":
                return "closed"
            if name in PARTIAL_CONSUMERS:
                return "partial"
            if name in {"zip", "enumerate", "iter", "tqdm"}:
                return self._wrapped_loop_verdict(parent, info, zipped=name == "zip")
            if name in FULL_CONSUMERS:
                return "infinite" if info.infinite else "full"
            return "infinite" if info.infinite else "escape"
        if isinstance(parent, ast.keyword):
            return "infinite" if info.infinite else "escape"
        if isinstance(parent, (ast.For, ast.AsyncFor)) and expr is parent.iter:
            if info.infinite:
                return "infinite"
            return "partial" if loop_has_exit(parent, count_raise=False) else "full"
        if isinstance(parent, ast.comprehension) and expr is parent.iter:
            return "infinite" if info.infinite else "full"
        if isinstance(parent, (ast.Return, ast.Yield, ast.YieldFrom, ast.Lambda)):
            return "escape"
        if isinstance(parent, ast.Expr):
            return "none"  # created and dropped before it ever ran
        if isinstance(parent, ast.Attribute):
            if parent.attr == "close":
                return "close-call"
            if parent.attr in {"send", "__next__"}:
                return "partial"
            return "none"
        if isinstance(parent, (ast.Assign, ast.AnnAssign)):
            return "escape"
        if isinstance(parent, (ast.Tuple, ast.List, ast.Dict, ast.Set, ast.Starred)):
            return "escape"
        return "escape"

    def _wrapped_loop_verdict(self, wrapper: ast.Call, info: GeneratorInfo, zipped: bool) -> str:
        if zipped:
            finite_partner = any(
                not (isinstance(arg, ast.Call) and self.generator_of(arg) is not None) for arg in wrapper.args
                if arg is not None
            ) and len(wrapper.args) > 1
            if finite_partner:
                return "partial"
        return self.use_verdict(wrapper, info)

    def bound_not_closed(self, name: str, info: GeneratorInfo) -> bool:
        verdicts = []
        closed_in_finally = self._closed_in_finally(name)
        for node in self.scope.nodes:
            if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load):
                verdicts.append(self.use_verdict(node, info))
        if closed_in_finally or "closed" in verdicts or "escape" in verdicts:
            return False
        if "infinite" in verdicts:
            return True
        if "partial" in verdicts and "full" not in verdicts:
            return True
        return False

    def _closed_in_finally(self, name: str) -> bool:
        for node in self.scope.nodes:
            if isinstance(node, ast.Try) and node.finalbody:
                for stmt in node.finalbody:
                    for inner in walk_scope_expr_deep(stmt):
                        if (
                            isinstance(inner, ast.Call)
                            and isinstance(inner.func, ast.Attribute)
                            and inner.func.attr == "close"
                            and isinstance(inner.func.value, ast.Name)
                            and inner.func.value.id == name
                        ):
                            return True
            if isinstance(node, ast.Call) and call_name(node) == "callback":
                if any(isinstance(a, ast.Attribute) and a.attr == "close" and isinstance(a.value, ast.Name)
                       and a.value.id == name for a in node.args):
                    return True
        return False

