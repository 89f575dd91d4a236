"""The engine: one pure function from a parsed module to diagnostics.

Order of work: names (imports) -> sources (factories of the module) ->
per scope: sites and the flow walk -> generator consumption -> Keras
iterators -> the rules. It imports no pylint, flake8, TensorFlow or Pillow.

Budget: most code opens nothing. The source text says which lines can open
a resource (``open(``, a factory's name) and only the scopes holding those
lines are listed and walked; the rest of the tree is never visited.
"""
from __future__ import annotations

import ast
import bisect
import functools
import re
import sys
from dataclasses import dataclass, field, replace

from ..diagnostics import Diagnostic
from ..settings import Settings
from . import generators as gen
from . import kinds
from .flow import BudgetExceeded, FlowWalker, Summaries, held_names, released_names
from .imports import ImportMap, bound_names, import_lines, iter_scope
from .keras import KerasAnalysis, KerasFindings
from .resources import FILE, FILE_FACTORIES, IMAGE_FACTORIES, ResourceKind, Scope, SourceFinder, make_scope
from .ownership import matches_setting
from .sites import CONTAINER_ADDERS, Fate, ScopeSites, Site, find_sites, local_callee

#: the flow walk's budget, in units of one statement visit per resource followed: it
#: grows with the scope, and no scope gets less than the minimum
STEP_BUDGET_PER_NODE = 4
STEP_BUDGET_MINIMUM = 50_000
DEEP_NESTING_RECURSION_LIMIT = 20_000
FACTORY_ROUNDS = 5
COMPOUND_FIELDS = ("body", "orelse", "finalbody")


@dataclass
class ModuleFacts:
    """Everything the rules read."""

    sites: list[Site] = field(default_factory=list)
    generator_sites: list[Site] = field(default_factory=list)  # bound sites inside generator functions
    unclosed_generators: list[tuple[ast.Call, gen.GeneratorInfo]] = field(default_factory=list)
    keras: KerasFindings = field(default_factory=KerasFindings)


def analyze(tree: ast.AST, source: str, settings: Settings, filename: str | None = None,
            dependencies: dict | None = None) -> list[Diagnostic]:
    """Analyse one module; see :mod:`lint_fd.rules` for what each code means.

    With the ``filename`` of a real file, the project's other modules it imports are
    consulted (:mod:`lint_fd.analysis.project`); ``dependencies``, if given, receives the
    content hash of each module whose facts were used, by path."""
    analysis = _analysed(tree, source, settings, filename, dependencies)
    if analysis is None:
        return []
    from ..rules import check_all

    return check_all(analysis[0], settings)


def analyze_facts(
    tree: ast.AST, source: str, settings: Settings, filename: str | None = None
) -> tuple[ModuleFacts, ImportMap | None, list[Diagnostic]]:
    """:func:`analyze` that also hands back the facts behind the diagnostics (the sites, the
    generator calls, the Keras closes and loops) and the module's import map: the fixer
    (:mod:`lint_fd.fix`) builds each rewrite from them instead of analysing again."""
    analysis = _analysed(tree, source, settings, filename, None)
    if analysis is None:
        return ModuleFacts(), None, []
    from ..rules import check_all

    facts, imports = analysis
    return facts, imports, check_all(facts, settings)


def _analysed(tree: ast.AST, source: str, settings: Settings, filename: str | None,
              dependencies: dict | None) -> tuple[ModuleFacts, ImportMap] | None:
    """The facts of one module and its import map, or None when nothing in it can open a
    resource (the text prefilter, and the project's factories it may call)."""
    if not isinstance(tree, ast.Module):
        return None
    mentions = "open" in source or "ImageDataGenerator" in source or kinds.may_mention_opener(source) or any(
        name in source for name in kinds.factory_names(settings.resource_factories)
    )
    project = None
    if filename is not None and "import" in source:
        from .project import project_imports

        project = project_imports(tree, filename, settings)
        if project is not None:
            called = project.called = calls_of(source, project.imported)
            if project.star_modules:  # from utils import *: which names it brings is in utils
                called = called | {f"{m.group(1)}.{m.group(2)}" for m in OPENER_CALL.finditer(source)}
            # ``from utils.general import cv2``: a library re-exported by a project module
            mentions = bool(project.learn_library_names(called)) or mentions
            if not mentions and not any(
                project.factory(key) is not None or getattr(project.generator(key), "holds_resource", False)
                for key in called
            ):
                project = None  # nothing here opens: only a call to the project's factories could
    if not mentions and project is None:
        return None
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, DEEP_NESTING_RECURSION_LIMIT))  # the walk recurses with the nesting
    try:
        analysis = ModuleAnalysis(tree, source, settings, project=project)
        facts = analysis.run()
        analysis.detach()
    finally:
        sys.setrecursionlimit(limit)
        if project is not None and dependencies is not None:
            dependencies.update(project.dependencies())
    return facts, analysis.imports


class SourceText:
    """Line lookups over the module's text."""

    def __init__(self, source: str):
        self.source = source
        self._line_starts: list[int] | None = None
        self._word_patterns: dict[str, re.Pattern] = {}

    @property
    def line_starts(self) -> list[int]:
        if self._line_starts is None:
            self._line_starts = [0] + [m.end() for m in re.finditer("\n", self.source)]
        return self._line_starts

    def lines_calling(self, names: set[str]) -> set[int]:
        """Lines where one of ``names`` is followed by ``(``: candidate calls."""
        if not names:
            return set()
        source = self.source
        starts = []
        for name in names:  # one literal-prefixed search per name: much faster than one alternation
            for match in re.finditer(re.escape(name) + r"\s*\(", source):
                before = source[match.start() - 1] if match.start() else " "
                if not (before.isalnum() or before == "_"):
                    starts.append(match.start())
        starts.sort()
        if "map(" in self.source:  # the opener handed to a map: map(Image.open, paths), pool.map(open, paths)
            alternatives = "|".join(sorted(map(re.escape, names)))
            mapped = re.finditer(r"map\(\s*[\w.]*\b(?:%s)\s*," % alternatives, self.source)
            starts = sorted(starts + [m.start() for m in mapped])
        lines: set[int] = set()
        line, position = 1, 0
        for start in starts:
            line += self.source.count("\n", position, start)
            position = start
            lines.add(line)
        return lines

    def mentions(self, name: str, ranges: list[tuple[int, int]]) -> bool:
        """Whether the word ``name`` occurs on the lines of one of ``ranges`` (first, last)."""
        pattern = self._word_patterns.get(name)
        if pattern is None:  # asked once per definition of the module: compiled once per name
            pattern = self._word_patterns[name] = re.compile(r"\b%s\b" % re.escape(name))
        starts = self.line_starts
        for start, end in ranges:
            begin = starts[start - 1] if start - 1 < len(starts) else len(self.source)
            finish = starts[end] if end < len(starts) else len(self.source)
            if pattern.search(self.source, begin, finish):
                return True
        return False


class NamesReadInFunctions:
    """Module-level names that a function or class of the module reads (long-lived state).

    The text of the module's defs says which of them mention a name; only those are
    walked, to tell a read of the global from a local of the same name."""

    def __init__(self, text: SourceText, definitions: list[ast.stmt]):
        self.text = text
        self.definitions = definitions
        self.cache: dict[str, bool] = {}

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        if name not in self.cache:
            self.cache[name] = any(
                self.text.mentions(name, [_line_range(d)]) and _reads_global(d, name) for d in self.definitions
            )
        return self.cache[name]


def _line_range(node: ast.stmt) -> tuple[int, int]:
    decorators = getattr(node, "decorator_list", None)
    start = min(node.lineno, decorators[0].lineno) if decorators else node.lineno
    return start, getattr(node, "end_lineno", None) or node.lineno


def _reads_global(definition: ast.stmt, name: str) -> bool:
    """Whether a function (or class body) inside ``definition`` reads the module-level ``name``."""
    for node in ast.walk(definition):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            scope_nodes = list(iter_scope(node)) if not isinstance(node, ast.Lambda) else list(ast.walk(node.body))
            reads = any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load) for n in scope_nodes)
            if not reads:
                continue
            declared_global = any(isinstance(n, ast.Global) and name in n.names for n in scope_nodes)
            if declared_global or isinstance(node, ast.Lambda) or name not in bound_names(node, scope_nodes):
                return True
        elif isinstance(node, ast.ClassDef):
            for statement in node.body:
                if not isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
                    isinstance(n, ast.Name) and n.id == name for n in ast.walk(statement)
                ):
                    return True
    return False


class ModuleAnalysis:
    def __init__(self, tree: ast.Module, source: str, settings: Settings, project=None):
        self.tree = tree
        #: the project's other modules this one imports (:class:`~.project.ProjectImports`), or None
        self.project = project
        self.text = SourceText(source)
        self.settings = settings
        self.imports = ImportMap(tree)
        if project is not None:
            self.imports.names.update(project.library_names)  # from utils.general import cv2
            for local, qualified in project.star_library_names.items():  # from utils import *
                self.imports.names.setdefault(local, qualified)
        self.finder = SourceFinder(self.imports, settings.resource_factories, settings.keeper_functions,
                                   settings.release_functions)
        self.parents: dict[ast.AST, ast.AST] = self.finder.parents
        self.finder.project = project
        self._project_called: set[str] | None = None
        self._candidates: list[Scope] | None = None
        self.scopes: dict[int, Scope] = {}
        self.functions: dict[str, ast.AST] = {}
        self.methods: dict[str, ast.AST] = {}
        self.class_of: dict[int, ast.ClassDef] = {}
        self.definitions: list[ast.stmt] = []
        self._summaries: Summaries | None = None
        self._enclosing: dict[int, ast.AST | None] | None = None
        for stmt in tree.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.functions[stmt.name] = stmt
            elif isinstance(stmt, ast.ClassDef):
                for item in stmt.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        self.methods.setdefault(item.name, item)
                        self.class_of[id(item)] = stmt
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.definitions.append(stmt)

    def detach(self) -> None:
        """Drop the references that tie the analysis to itself (its helper summaries are its
        own bound methods), so that its tree and all that was built on it is freed by reference
        counting as soon as nothing reads them: left to the cyclic garbage collector, every
        analysed module would wait for a full collection, which walks all that is alive."""
        self._summaries = None
        self.finder.summaries = None

    # -- scopes ---------------------------------------------------------------
    def scope_of(self, node: ast.AST) -> Scope:
        """The :class:`Scope` of a function (or of the module), listed once."""
        scope = self.scopes.get(id(node))
        if scope is None:
            scope = make_scope(node, self.class_of.get(id(node)), self.parents)
            if scope.is_module:
                scope.escaping = NamesReadInFunctions(self.text, self.definitions)
            elif isinstance(node, ast.ClassDef):
                pass  # make_scope: every name a class body binds escapes
            else:
                scope.escaping = frozenset(
                    name for n in scope.of_type(ast.Global, ast.Nonlocal) for name in n.names
                )
                scope.is_generator = bool(scope.of_type(ast.Yield, ast.YieldFrom))
                scope.is_context_manager = gen.is_context_manager(node)
                # imports are simple statements: their positions give their order in the scope
                imports = sorted(scope.of_type(ast.Import, ast.ImportFrom), key=lambda n: (n.lineno, n.col_offset))
                self.imports.add_imports(imports, into=scope.imports)
            self.finder.learn_scope_names(scope)
            self.scopes[id(node)] = scope
        return scope

    def scopes_on_lines(self, lines: set[int]) -> list[Scope]:
        """The innermost function (or the module) holding each line."""
        found: dict[int, Scope] = {}
        for node in innermost_scope_nodes(self.tree, lines):
            if id(node) not in found:
                found[id(node)] = self.scope_of(node)
        return list(found.values())

    def all_scopes(self) -> list[Scope]:
        result = [self.scope_of(self.tree)]
        for node in ast.walk(self.tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                result.append(self.scope_of(node))
        return result

    # -- factories of the module ----------------------------------------------
    def factory_call_names(self) -> set[str]:
        """How calls to an opener are spelt in this module's text: ``open``, ``np.load``,
        ``cv2.VideoCapture``, the module's own factories..."""
        names = {"open"}
        imported = dict(self.imports.names)
        for local, qualified in nested_import_names(self.text.source, self.imports).items():
            imported.setdefault(local, qualified)  # def load(p): import numpy as np; np.load(p)
        for local, qualified in imported.items():
            if qualified in FILE_FACTORIES or qualified in IMAGE_FACTORIES or qualified in kinds.OPENERS:
                names.add(local)
            elif qualified.split(".", 1)[0] in kinds.SHORT_NAMES:  # import numpy as np: search "np.load("
                names.update(local + opener[len(qualified):] for opener in kinds.OPENERS
                             if opener.startswith(qualified + "."))
        names.update(kinds.factory_names(self.settings.resource_factories))
        names.update(self.finder.function_factories)
        names.update(self.finder.method_factories)
        for nested in self.finder.nested_factories.values():
            names.update(nested)
        names.update(key for key in self.project_calls() if self.project.factory(key) is not None)
        return names

    def project_calls(self) -> set[str]:
        """What this file calls of the project's other modules: ``load`` or ``io.load``."""
        if self._project_called is None:
            self._project_called = set()
            project = self.project
            if project:
                self._project_called = project.called if project.called is not None else calls_of(
                    self.text.source, project.imported)
        return self._project_called

    def candidate_scopes(self) -> list[Scope]:
        """Scopes that call a factory, learning the module's own factories until none is new."""
        if self._candidates is None:
            self._candidates = self._find_candidate_scopes()
        return self._candidates

    def _find_candidate_scopes(self) -> list[Scope]:
        self.summaries()
        seen: dict[int, Scope] = {}
        called: set[str] = set()
        for _ in range(FACTORY_ROUNDS):
            names = self.factory_call_names() - called
            if not names:
                break
            called |= names
            new = [s for s in self.scopes_on_lines(self.text.lines_calling(names)) if id(s.node) not in seen]
            for scope in new:
                seen[id(scope.node)] = scope
            if not self._learn_factories(new):
                break
        return list(seen.values())

    def _learn_factories(self, scopes: list[Scope]) -> bool:
        learnt = False
        for scope in scopes:
            if scope.is_module or isinstance(scope.node, ast.ClassDef):
                continue
            func = scope.node
            if self.functions.get(func.name) is func:
                table = self.finder.function_factories
            elif self.methods.get(func.name) is func:
                table = self.finder.method_factories
            else:
                table = None  # a nested function: a factory for the function that defines it
            if table is not None and func.name in table:
                continue
            kind = self._returned_resource(scope)
            if kind is not None and table is None:
                enclosing = self.enclosing_function(func)
                if enclosing is None:
                    continue
                table = self.finder.nested_factories.setdefault(id(enclosing), {})
                if func.name in table:
                    continue
            if kind is not None:
                base = kind.what.split(" returned by ")[0]  # a factory of a factory names the resource once
                # (a resource handed back inside a tuple keeps the advice of its own kind)
                opener = f"with {func.name}(...) as x:" if kind.managed and kind.element is None else kind.opener
                table[func.name] = replace(kind, what=f"{base} returned by {func.name}()", opener=opener)
                learnt = True
        return learnt

    def enclosing_function(self, func: ast.AST) -> ast.AST | None:
        """The function whose body defines ``func`` (None at module or class level)."""
        if self._enclosing is None:
            self._enclosing = {}
            stack: list[tuple[ast.AST, ast.AST | None]] = [(self.tree, None)]
            while stack:
                node, owner = stack.pop()
                for child in ast.iter_child_nodes(node):
                    if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        self._enclosing[id(child)] = owner
                        stack.append((child, child))
                    elif isinstance(child, ast.ClassDef):
                        stack.append((child, None))
                    elif isinstance(child, (ast.stmt, ast.excepthandler, ast.match_case)):
                        stack.append((child, owner))
        return self._enclosing.get(id(func))

    def _returned_resource(self, scope: Scope) -> ResourceKind | None:
        func = scope.node
        if scope.is_generator or name_is_special(func.name) or _has_caching_decorator(func):
            return None
        bound: dict[str, ResourceKind] = {}
        for node in scope.of_type(ast.Assign):
            if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.Call):
                kind = self.finder.resource_kind(node.value, scope)
                if kind is not None:
                    bound[node.targets[0].id] = kind
        returns = [node.value for node in scope.of_type(ast.Return) if node.value is not None]
        returns_bound_name = False
        returned_alone: set[str] = set()  # return img
        in_tuples: dict[str, set[int]] = {}  # return cap, fps: the positions each name is returned at
        for value in returns:
            for candidate in _value_alternatives(value):
                if isinstance(candidate, ast.Call):
                    kind = self.finder.resource_kind(candidate, scope)
                    if kind is not None:
                        return kind
                elif isinstance(candidate, ast.Name) and candidate.id in bound:
                    returns_bound_name = True
                    returned_alone.add(candidate.id)
                elif isinstance(candidate, ast.Tuple) and not any(
                        isinstance(e, ast.Starred) or _is_flag_constant(e) for e in candidate.elts):
                    # (a tuple with a True/False beside the resource says whether the caller
                    # should close it, ``return f, should_close``: the caller decides, not lint_fd)
                    for index, element in enumerate(candidate.elts):
                        if isinstance(element, ast.Call):
                            kind = self.finder.resource_kind(element, scope)
                            if kind is not None and kind.element is None:
                                return replace(kind, element=index)  # return open(p), size
                        elif isinstance(element, ast.Name) and element.id in bound:
                            returns_bound_name = True
                            in_tuples.setdefault(element.id, set()).add(index)
        if returns_bound_name:
            # follow the paths: is the resource still open when it is returned on some path?
            sites = find_sites(scope, self.finder, self.parents)
            walker = FlowWalker(scope, self.finder, sites, self.summaries(), frozenset(),
                                walk_budget(scope))
            try:
                walker.run()
            except BudgetExceeded:
                return None
            for site in sites.sites:
                if site.returned:
                    if site.aliases & returned_alone:
                        return replace(site.kind, element=None)
                    positions = set().union(*(in_tuples.get(name, set()) for name in site.aliases))
                    if len(positions) == 1:
                        return replace(site.kind, element=positions.pop())
        return None

    # -- helpers that close or keep what they are given ------------------------
    def summaries(self) -> Summaries:
        if self._summaries is None:
            self._summaries = Summaries(self.closer_params, self.keeper_params, self.is_module_function)
            self.finder.summaries = self._summaries
        return self._summaries

    def is_module_function(self, name: str, is_method: bool) -> bool:
        if name in (self.methods if is_method else self.functions):
            return True
        return not is_method and self.project is not None and self.project.is_known(name)

    def closer_params(self, name: str, is_method: bool) -> frozenset[int]:
        func = (self.methods if is_method else self.functions).get(name)
        if func is None:
            if not is_method and self.project is not None:
                return self.project.closer_params(name)  # a function of another module of the project
            return frozenset()
        params = [a.arg for a in [*func.args.posonlyargs, *func.args.args]]
        offset = 1 if is_method and params and params[0] in {"self", "cls"} else 0
        closed = released_names(func.body) | self._handed_to_closers(func)
        indexes = set()
        for index, param in enumerate(params[offset:]):
            if param in closed and self._closes_on_every_path(func, param):
                indexes.add(index)
        return frozenset(indexes)

    def keeper_params(self, name: str, is_method: bool) -> frozenset[int]:
        """Parameters a function of the module keeps: stores on an attribute, in an
        attribute's container, or returns (``self._file = file``)."""
        func = (self.methods if is_method else self.functions).get(name)
        if func is None:
            if not is_method and self.project is not None:
                return self.project.keeper_params(name)  # a function of another module of the project
            return frozenset()
        params = [a.arg for a in [*func.args.posonlyargs, *func.args.args]]
        offset = 1 if is_method and params and params[0] in {"self", "cls"} else 0
        scope = self.scope_of(func)
        kept: set[str] = set()
        for node in scope.nodes:
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(not isinstance(t, (ast.Name, ast.Tuple, ast.List)) for t in targets):
                    kept |= held_names(node.value, self.finder, scope)
            elif isinstance(node, ast.Return) and node.value is not None:
                kept |= held_names(node.value, self.finder, scope)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in CONTAINER_ADDERS:
                if not isinstance(node.func.value, ast.Name) or node.func.value.id in scope.params:
                    for arg in node.args:
                        kept |= held_names(arg, self.finder, scope)
        # ``def t(s): s = np.array(s); return s`` returns another value under the parameter's name:
        # where the parameter is rebound, the paths say whether it is still the argument when kept
        rebound = kept & _rebound_names(scope) & set(params[offset:])
        kept -= {param for param in rebound if not self._kept_on_some_path(func, param)}
        return frozenset(index for index, param in enumerate(params[offset:]) if param in kept)

    def _kept_on_some_path(self, func: ast.AST, param: str) -> bool:
        """Whether the argument ``param`` names on entry is returned or stored on some path of ``func``."""
        site = self._walk_parameter(func, param)
        if site is None:
            return True  # too costly to follow: as before, the name says it is kept
        return site.escaped or site.returned

    def _walk_parameter(self, func: ast.AST, param: str) -> Site | None:
        """The argument ``param`` names on entry, followed through ``func`` as if it were an open
        file: its site says how it ends (None when the walk is too costly)."""
        site = Site(None, FILE, Fate.BOUND, aliases=frozenset({param}))
        walker = FlowWalker(self.scope_of(func), self.finder, ScopeSites(), self.summaries(), frozenset(), 10_000)
        try:
            walker.run({site: frozenset({frozenset({param})})})
        except BudgetExceeded:
            return None
        return site

    def _handed_to_closers(self, func: ast.AST) -> set[str]:
        """Names ``func`` passes to a closing helper of the module or a ``release-functions``
        entry (a helper calling a closing helper closes: the facts reach a fixpoint on demand)."""
        scope = self.scope_of(func)
        found: set[str] = set()
        summaries = self.summaries()
        for node in scope.nodes:
            if not isinstance(node, ast.Call):
                continue
            local = local_callee(node.func, scope)
            if local is not None and summaries.is_known(*local):
                indexes = summaries.closer_params(*local)
                found.update(a.id for i, a in enumerate(node.args) if i in indexes and isinstance(a, ast.Name))
            elif self.finder.release_functions and matches_setting(
                self.finder.qualify(node.func, scope), node.func, self.finder.release_functions
            ):
                found.update(a.id for a in node.args if isinstance(a, ast.Name))
        return found

    def _closes_on_every_path(self, func: ast.AST, param: str) -> bool:
        site = self._walk_parameter(func, param)
        return site is not None and site.released and not site.leaked_normal and not site.escaped

    # -- main -----------------------------------------------------------------
    def run(self) -> ModuleFacts:
        facts = ModuleFacts()
        summaries = self.summaries()
        generator_infos: dict[str, gen.GeneratorInfo] = {}
        method_generator_infos: dict[str, gen.GeneratorInfo] = {}
        for scope in self.candidate_scopes():
            sites = find_sites(scope, self.finder, self.parents)
            facts.sites.extend(sites.sites)
            if any(site.fate is Fate.BOUND for site in sites.sites):
                self._walk(scope, sites, summaries)
            if scope.is_generator and not scope.is_context_manager:
                info, bound = self._generator_facts(scope, sites)
                facts.generator_sites.extend(bound)
                if self.functions.get(scope.node.name) is scope.node:
                    generator_infos[scope.node.name] = info
                elif self.methods.get(scope.node.name) is scope.node:
                    method_generator_infos[scope.node.name] = info
        for key in self.project_calls():
            info = self.project.generator(key)  # a generator of another module of the project
            if info is not None and key not in generator_infos:
                generator_infos[key] = info
        holding = {n for n, i in {**generator_infos, **method_generator_infos}.items() if i.holds_resource}
        if holding:
            for scope in self.scopes_on_lines(self.text.lines_calling(holding)):
                use = gen.GeneratorUse(scope, self.finder, self.parents, generator_infos, method_generator_infos)
                facts.unclosed_generators.extend(use.unclosed_calls())
        if "ImageDataGenerator" in self.text.source and self.imports.mentions_any(
            ("tensorflow", "keras", "tf_keras", "keras_preprocessing")
        ):
            facts.keras = KerasAnalysis(self.tree, self.imports, self.all_scopes()).run()
        return facts

    def _generator_facts(self, scope: Scope, sites: ScopeSites) -> tuple[gen.GeneratorInfo, list[Site]]:
        """Whether a generator function (whose sites are walked) holds a resource across a yield."""
        bound = [s for s in sites.sites if s.fate is Fate.BOUND]
        for site in sites.sites:
            if site.iterated_by is not None and gen.body_yields(site.iterated_by):
                # for line in open(p): yield ... -- open across every yield of the loop
                site.open_across_yield = site.unprotected_yield = True
                bound.append(site)
        info = gen.GeneratorInfo(scope.node.name)
        info.holds_resource = any(s.open_across_yield for s in bound) or gen.holds_managed_resource_across_yield(
            scope, self.finder
        )
        info.infinite = gen.is_infinite(scope.nodes)
        return info, bound

    def generator_info(self, scope: Scope, learn_factories: bool = True) -> gen.GeneratorInfo | None:
        """The facts of one generator function, for the modules that import it (the module's
        factories are learnt first unless the caller learnt those the function calls)."""
        if not scope.is_generator or scope.is_context_manager:
            return None
        if learn_factories:
            self.candidate_scopes()
        sites = find_sites(scope, self.finder, self.parents)
        if any(site.fate is Fate.BOUND for site in sites.sites):
            self._walk(scope, sites, self.summaries())
        return self._generator_facts(scope, sites)[0]

    def _walk(self, scope: Scope, sites: ScopeSites, summaries: Summaries) -> None:
        loaded = frozenset(n.id for n in scope.of_type(ast.Name) if isinstance(n.ctx, ast.Load))
        budget = walk_budget(scope)
        walker = FlowWalker(scope, self.finder, sites, summaries, loaded, budget)
        try:
            walker.run()
        except (BudgetExceeded, RecursionError):
            for site in sites.sites:  # too costly or too deep to follow: say nothing rather than guess
                if site.fate is Fate.BOUND:
                    site.fate = Fate.ESCAPED


def calls_of(source: str, imported) -> set[str]:
    """Which of the ``imported`` names the text calls: ``name(`` gives ``name``,
    ``name.attr(`` gives ``name.attr`` (literal searches, no regular expression per name)."""
    found: set[str] = set()
    for name in imported:
        start = source.find(name)
        while start != -1:
            end = start + len(name)
            before = source[start - 1] if start else " "
            if not (before.isalnum() or before in "_."):
                rest = source[end:end + 80].lstrip(" ")
                if rest.startswith("("):
                    found.add(name)
                elif rest.startswith("."):
                    match = CALLED_ATTRIBUTE.match(rest)
                    if match:
                        found.add(f"{name}.{match.group(1)}")
            start = source.find(name, end)
    return found


CALLED_ATTRIBUTE = re.compile(r"\.(\w+(?:\.\w+)*)\s*\(")  # .load( or .Image.open(
#: a call of an opener's short name through a dotted name: ``cv2.VideoCapture(``, ``PIL.Image.open(``
OPENER_CALL = re.compile(r"(?<![\w.])([A-Za-z_]\w*)(?:\.\w+)*\.(\w+)\s*\(")
#: the top-level modules of every opener: an import that names none of them brings no opener
OPENER_MODULES = tuple(sorted({name.split(".", 1)[0] for name in (*kinds.OPENERS, *FILE_FACTORIES, *IMAGE_FACTORIES)}))
OPENER_MODULE_WORD = re.compile(r"\b(?:%s)\b" % "|".join(map(re.escape, OPENER_MODULES)))


def nested_import_names(source: str, imports: ImportMap) -> dict[str, str]:
    """Local name -> qualified name for the imports written inside functions and blocks
    (``def load(p): import numpy as np``), read off the text: only the module's top-level
    imports are in its import map, and these tell which calls may open something. Each such
    line (:func:`~.imports.import_lines`) that names an opener's module is parsed alone; one
    that does not parse alone tells nothing."""
    found: dict[str, str] = {}
    for text in import_lines(source, indented_only=True):
        if OPENER_MODULE_WORD.search(text):  # else it brings no opener
            imports.add_imports(_import_statements(text), into=found)
    return found


@functools.lru_cache(maxsize=4096)
def _import_statements(text: str) -> tuple[ast.stmt, ...]:
    """The import statements of one line of code parsed alone (none if it does not parse
    alone), star imports left out; remembered, as the same lines recur across files."""
    try:
        statements = ast.parse(text).body
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return ()
    return tuple(node for node in statements if isinstance(node, ast.Import) or (
        isinstance(node, ast.ImportFrom) and all(alias.name != "*" for alias in node.names)))


def innermost_scope_nodes(tree: ast.Module, lines: set[int]) -> list[ast.AST]:
    """The innermost functions (or the module) holding ``lines``, found in one descent:
    only statements that hold one of the lines are entered, each once."""
    wanted = sorted(lines)
    found: list[ast.AST] = []
    # (statements, their scope, whether they are a class body)
    pending: list[tuple[list[ast.stmt], ast.AST, bool]] = [(tree.body, tree, False)]
    while pending:
        statements, scope, class_body = pending.pop()
        for statement in statements:
            start, end = _line_range(statement)
            first = bisect.bisect_left(wanted, start)
            if first == len(wanted) or wanted[first] > end:
                continue  # none of the lines is in this statement
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                body_start = statement.body[0].lineno
                if wanted[first] < body_start:  # decorator, default or annotation: the enclosing scope
                    _found(found, scope)
                if _any_line_in(wanted, body_start, end):
                    pending.append((statement.body, statement, False))
            elif isinstance(statement, ast.ClassDef):
                body_start = statement.body[0].lineno
                if wanted[first] < body_start:  # decorator, base class: the enclosing scope
                    _found(found, scope)
                pending.append((statement.body, statement, True))
            elif class_body:
                _found(found, scope)  # the class body is a scope of its own
            else:
                children = _child_statements(statement)
                if children:
                    pending.append((children, scope, False))
                    already_last = found and found[-1] is scope  # then _found would add nothing
                    if not already_last and _header_holds_line(start, end, children, wanted):
                        _found(found, scope)
                else:
                    _found(found, scope)
    return found


def _found(found: list, node) -> None:
    if node is not None and (not found or found[-1] is not node):
        found.append(node)


def _child_statements(statement: ast.stmt) -> list[ast.stmt]:
    children: list[ast.stmt] = []
    for name in COMPOUND_FIELDS:
        children.extend(getattr(statement, name, ()) or ())
    for handler in getattr(statement, "handlers", ()) or ():
        children.extend(handler.body)
    for case in getattr(statement, "cases", ()) or ():
        children.extend(case.body)
    return children


def _header_holds_line(start: int, end: int, children: list[ast.stmt], wanted: list[int]) -> bool:
    """Whether a wanted line of a statement (lines ``start`` to ``end``) lies outside all of
    its child statements (its test, iterable, items, or an ``except``/``case`` line)."""
    gap_start = start
    for child_start, child_end in sorted(_line_range(child) for child in children):
        if _any_line_in(wanted, gap_start, child_start - 1):
            return True
        gap_start = max(gap_start, child_end + 1)
    return _any_line_in(wanted, gap_start, end)


def _any_line_in(wanted: list[int], first: int, last: int) -> bool:
    index = bisect.bisect_left(wanted, first)
    return index < len(wanted) and wanted[index] <= last


def _rebound_names(scope: Scope) -> set[str]:
    """Names a statement of the scope binds again: ``x = ...``, ``x += ...``, ``for x in``, ``x := ...``."""
    return {n.id for n in scope.of_type(ast.Name) if isinstance(n.ctx, ast.Store)}


def walk_budget(scope: Scope) -> int:
    return max(STEP_BUDGET_PER_NODE * len(scope.nodes), STEP_BUDGET_MINIMUM)


def name_is_special(name: str) -> bool:
    return name.startswith("__") and name.endswith("__")


def _has_caching_decorator(func: ast.AST) -> bool:
    for decorator in func.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
        if name not in {"staticmethod", "classmethod"}:
            return True
    return False


def _is_flag_constant(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, bool)


def _value_alternatives(value: ast.AST):
    if isinstance(value, ast.IfExp):
        yield from _value_alternatives(value.body)
        yield from _value_alternatives(value.orelse)
    elif isinstance(value, ast.BoolOp):
        for item in value.values:
            yield from _value_alternatives(item)
    else:
        yield value
