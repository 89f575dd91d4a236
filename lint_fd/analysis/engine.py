"""The engine: one pure function from a parsed module to diagnostics.

Order of work: names (imports) -> sources (factories of the module) ->
summaries (helpers that close what they are given) -> per scope: sites and
the flow walk -> generator consumption -> Keras iterators -> the rules.
It imports no pylint, flake8, TensorFlow or Pillow.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field

from ..diagnostics import Diagnostic
from ..settings import Settings
from . import generators as gen
from .flow import BudgetExceeded, FlowWalker, Summaries, released_names
from .imports import ImportMap, iter_scope
from .keras import KerasAnalysis, KerasFindings
from .resources import FILE, ResourceKind, Scope, SourceFinder, make_scope
from .sites import Fate, ScopeSites, Site, find_sites

#: words whose absence proves a file has nothing for the rules to look at
TRIGGER_WORDS = ("open", "yield", "flow")
STEP_BUDGET_PER_STATEMENT = 60


@dataclass
class ModuleFacts:
    """Everything the rules read."""

    sites: list[Site] = field(default_factory=list)
    generator_sites: list[Site] = field(default_factory=list)  # sites inside generator functions
    unclosed_generators: list[tuple[ast.Call, gen.GeneratorInfo]] = field(default_factory=list)
    keras: KerasFindings = field(default_factory=KerasFindings)


def analyze(tree: ast.AST, source: str, settings: Settings) -> list[Diagnostic]:
    """Analyse one module; see :mod:`lint_fd.rules` for what each code means."""
    if not isinstance(tree, ast.Module):
        return []
    words = TRIGGER_WORDS + tuple(name.rsplit(".", 1)[-1] for name in settings.resource_factories)
    if not any(word in source for word in words):
        return []
    facts = ModuleAnalysis(tree, settings).run()
    from ..rules import check_all

    return check_all(facts, settings)


class ModuleAnalysis:
    def __init__(self, tree: ast.Module, settings: Settings):
        self.tree = tree
        self.settings = settings
        self.imports = ImportMap(tree)
        self.finder = SourceFinder(self.imports, settings.resource_factories)
        self.parents: dict[ast.AST, ast.AST] = {}
        self.scopes: list[Scope] = []
        self.functions: dict[str, ast.AST] = {}  # module-level functions by name
        self.methods: dict[str, ast.AST] = {}  # methods of any class by name

    # -- setup --------------------------------------------------------------
    def _index(self) -> None:
        module_scope = make_scope(self.tree)
        self.scopes.append(module_scope)
        stack: list[tuple[ast.AST, bool]] = [(self.tree, False)]
        loaded_in_functions: set[str] = set()
        while stack:
            node, in_function = stack.pop()
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    klass = node if isinstance(node, ast.ClassDef) else None
                    scope = make_scope(child, klass)
                    scope.escaping = self._declared_global(child)
                    scope.is_generator = gen.is_generator_function(child)
                    scope.is_context_manager = gen.is_context_manager(child)
                    self.scopes.append(scope)
                    if node is self.tree:
                        self.functions[child.name] = child
                    elif klass is not None:
                        self.methods.setdefault(child.name, child)
                    stack.append((child, True))
                else:
                    if in_function and isinstance(child, ast.Name) and isinstance(child.ctx, ast.Load):
                        loaded_in_functions.add(child.id)
                    stack.append((child, in_function or isinstance(child, (ast.Lambda, ast.ClassDef))))
        module_scope.escaping = frozenset(loaded_in_functions) | self._module_globals()
        for scope in self.scopes:
            self.finder.learn_scope_names(scope)

    def _declared_global(self, func: ast.AST) -> frozenset[str]:
        declared: set[str] = set()
        for node in iter_scope(func):
            if isinstance(node, (ast.Global, ast.Nonlocal)):
                declared.update(node.names)
        return frozenset(declared)

    def _module_globals(self) -> frozenset[str]:
        declared: set[str] = set()
        for scope in self.scopes:
            declared |= scope.escaping if not scope.is_module else set()
        return frozenset(declared)

    # -- summaries of the module's own functions ------------------------------
    def _learn_factories(self) -> None:
        """Functions that return a fresh resource are factories for their callers."""
        scopes_by_node = {id(s.node): s for s in self.scopes}
        candidates = [(name, f, False) for name, f in self.functions.items()] + [
            (name, f, True) for name, f in self.methods.items()
        ]
        changed = True
        rounds = 0
        while changed and rounds < 5:
            changed = False
            rounds += 1
            for name, func, is_method in candidates:
                table = self.finder.method_factories if is_method else self.finder.function_factories
                if name in table:
                    continue
                scope = scopes_by_node[id(func)]
                kind = self._returned_resource(func, scope)
                if kind is not None:
                    table[name] = ResourceKind(
                        f"{kind.what} returned by {name}()", f"with {name}(...) as x:", kind.is_image
                    )
                    changed = True

    def _returned_resource(self, func: ast.AST, scope: Scope) -> ResourceKind | None:
        if scope.is_generator or name_is_special(func.name) or _has_caching_decorator(func):
            return None
        bound: dict[str, ResourceKind] = {}
        returns: list[ast.AST] = []
        for node in iter_scope(func):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                if isinstance(node.value, ast.Call):
                    kind = self.finder.resource_kind(node.value, scope)
                    if kind is not None:
                        bound[node.targets[0].id] = kind
            elif isinstance(node, ast.Return) and node.value is not None:
                returns.append(node.value)
        closed = released_names(func.body) if bound else set()
        for value in returns:
            for candidate in _value_alternatives(value):
                if isinstance(candidate, ast.Call):
                    kind = self.finder.resource_kind(candidate, scope)
                    if kind is not None:
                        return kind
                elif isinstance(candidate, ast.Name) and candidate.id in bound and candidate.id not in closed:
                    return bound[candidate.id]
        return None

    def _learn_closers(self, summaries: Summaries) -> None:
        """Functions that close a parameter on every path release what they are given."""
        for table, functions in ((summaries.closers, self.functions), (summaries.method_closers, self.methods)):
            for name, func in functions.items():
                params = [a.arg for a in [*func.args.posonlyargs, *func.args.args]]
                offset = 1 if functions is self.methods and params and params[0] in {"self", "cls"} else 0
                closed = released_names(func.body)
                indexes = set()
                for index, param in enumerate(params[offset:]):
                    if param in closed and self._closes_on_every_path(func, param, summaries):
                        indexes.add(index)
                if indexes:
                    table[name] = frozenset(indexes)

    def _closes_on_every_path(self, func: ast.AST, param: str, summaries: Summaries) -> bool:
        scope = make_scope(func)
        site = Site(None, FILE, Fate.BOUND, aliases=frozenset({param}))
        walker = FlowWalker(scope, self.finder, ScopeSites(), summaries, frozenset(), 10_000)
        try:
            walker.run({site: frozenset({frozenset({param})})})
        except BudgetExceeded:
            return False
        return site.released and not site.leaked_normal and not site.escaped

    # -- main ---------------------------------------------------------------
    def run(self) -> ModuleFacts:
        self._index()
        self._learn_factories()
        summaries = Summaries()
        self._learn_closers(summaries)
        facts = ModuleFacts()
        generator_infos: dict[int, gen.GeneratorInfo] = {}
        for scope in self.scopes:
            sites = find_sites(scope, self.finder, self.parents)
            facts.sites.extend(sites.sites)
            if any(site.fate is Fate.BOUND for site in sites.sites):
                loaded = frozenset(
                    n.id for n in iter_scope(scope.body if scope.is_module else scope.node)
                    if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
                )
                budget = STEP_BUDGET_PER_STATEMENT * _statement_count(scope) + 1000
                walker = FlowWalker(scope, self.finder, sites, summaries, loaded, budget)
                try:
                    walker.run()
                except BudgetExceeded:
                    for site in sites.sites:  # too costly to follow: say nothing rather than guess
                        if site.fate is Fate.BOUND:
                            site.fate = Fate.ESCAPED
            if scope.is_generator and not scope.is_context_manager:
                facts.generator_sites.extend(s for s in sites.sites if s.fate is Fate.BOUND)
                info = gen.GeneratorInfo(scope.node.name)
                info.holds_resource = any(
                    s.open_across_yield for s in sites.sites if s.fate is Fate.BOUND
                ) or gen.holds_managed_resource_across_yield(scope.node, scope, self.finder)
                info.infinite = gen.is_infinite(scope.node)
                generator_infos[id(scope.node)] = info
        functions = {name: generator_infos[id(f)] for name, f in self.functions.items() if id(f) in generator_infos}
        methods = {name: generator_infos[id(f)] for name, f in self.methods.items() if id(f) in generator_infos}
        if any(info.holds_resource for info in generator_infos.values()):
            for scope in self.scopes:
                use = gen.GeneratorUse(scope, self.finder, self.parents, functions, methods)
                facts.unclosed_generators.extend(use.unclosed_calls())
        if self.imports.mentions_any(("tensorflow", "keras", "tf_keras", "keras_preprocessing")):
            facts.keras = KerasAnalysis(self.tree, self.imports, self.scopes).run()
        return facts


def name_is_special(name: str) -> bool:
    return name.startswith("__") and name.endswith("__")


def _has_caching_decorator(func: ast.AST) -> bool:
    for decorator in func.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
        if name not in {"staticmethod", "classmethod"}:
            return True
    return False


def _value_alternatives(value: ast.AST):
    if isinstance(value, ast.IfExp):
        yield from _value_alternatives(value.body)
        yield from _value_alternatives(value.orelse)
    elif isinstance(value, ast.BoolOp):
        for item in value.values:
            yield from _value_alternatives(item)
    else:
        yield value


def _statement_count(scope: Scope) -> int:
    root = scope.body if scope.is_module else scope.node
    return sum(1 for node in iter_scope(root) if isinstance(node, ast.stmt))
