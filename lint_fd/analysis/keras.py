"""Keras ImageDataGenerator iterators: where they are made, named and used.

An *iterator* is the result of ``.flow``, ``.flow_from_directory`` or
``.flow_from_dataframe`` on an ``ImageDataGenerator(...)`` instance. Names are
followed through assignments in source order within each scope (a name rebound
to something else stops being an iterator), module-level names read inside
functions, ``self.`` attributes and local helper functions that return one.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field

from .generators import body_yields, loop_has_exit
from .imports import ImportMap
from .resources import Scope

KERAS_ROOTS = ("tensorflow.", "keras.", "tf_keras.", "keras_preprocessing.")
FLOW_METHODS = frozenset({"flow", "flow_from_directory", "flow_from_dataframe"})
#: wrappers that iterate exactly what their first argument yields: endless over an endless one
TRANSPARENT_WRAPPERS = frozenset(
    {"enumerate", "iter", "tqdm", "trange", "peekable", "seekable"}
)
#: wrappers that go on to their next argument when one ends: endless if any argument is
CHAINING_WRAPPERS = frozenset({"chain"})
#: ITERATOR: a Keras iterator itself (LFD201 on close); ENDLESS: a wrapper bound to a name that
#: iterates one forever (``bar = tqdm(train_gen)``), with a close() of its own
GENERATOR, ITERATOR, ENDLESS = "generator", "iterator", "endless"


def is_image_data_generator(qualified: str | None) -> bool:
    """``ImageDataGenerator`` from a ``preprocessing.image`` module of TF, Keras, tf_keras or keras_preprocessing."""
    return (
        bool(qualified)
        and qualified.endswith(".ImageDataGenerator")
        and qualified.startswith(KERAS_ROOTS)
        and (".preprocessing.image." in qualified or qualified.startswith("keras_preprocessing.image."))
    )


@dataclass
class KerasFindings:
    closes: list[ast.Call] = field(default_factory=list)
    unbounded_loops: list[ast.For] = field(default_factory=list)


class KerasAnalysis:
    """Finds LFD201 (``close()`` on an iterator) and LFD202 (unbounded ``for``)."""

    def __init__(self, tree: ast.Module, imports: ImportMap, scopes: list[Scope]):
        self.imports = imports
        self.scopes = scopes
        self.module_kinds: dict[str, str] = {}
        self.attribute_kinds: dict[tuple[int, str], str] = {}  # (class, attribute) -> kind
        self.iterator_functions: set[str] = set()

    def run(self) -> KerasFindings:
        findings = KerasFindings()
        # two passes: helper functions and self attributes are learnt on the first
        for final in (False, True):
            for scope in self.scopes:
                self._scope(scope, findings if final else None)
        return findings

    # -- per scope ----------------------------------------------------------
    def _scope(self, scope: Scope, findings: KerasFindings | None) -> None:
        kinds: dict[str, str] = {}
        if not scope.is_module:
            kinds = {name: kind for name, kind in self.module_kinds.items() if name not in scope.local_names}
        for node in scope.nodes:
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                kind = self.kind_of(node.value, kinds, scope)
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    self._bind(target, kind, kinds, scope)
            elif isinstance(node, ast.NamedExpr):
                self._bind(node.target, self.kind_of(node.value, kinds, scope), kinds, scope)
            elif isinstance(node, (ast.For, ast.AsyncFor)):
                for name in ast.walk(node.target):
                    if isinstance(name, ast.Name):
                        kinds.pop(name.id, None)
                if findings is not None and self.unbounded(node, kinds, scope):
                    findings.unbounded_loops.append(node)
            elif isinstance(node, ast.Return) and node.value is not None and not scope.is_module:
                if self.kind_of(node.value, kinds, scope) == ITERATOR:
                    self.iterator_functions.add(scope.node.name)
            elif findings is not None and isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Attribute) and func.attr == "close" and not node.args:
                    if self.kind_of(func.value, kinds, scope) == ITERATOR:
                        findings.closes.append(node)
        if scope.is_module:
            self.module_kinds = kinds

    def _bind(self, target: ast.AST, kind: str | None, kinds: dict[str, str], scope: Scope) -> None:
        if isinstance(target, ast.Name):
            if kind is None:
                kinds.pop(target.id, None)
            else:
                kinds[target.id] = kind
        elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
            key = (id(scope.class_node), target.attr)
            if kind is not None:
                self.attribute_kinds[key] = kind
            elif self.attribute_kinds.get(key) is not None:
                self.attribute_kinds[key] = None
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._bind(element, None, kinds, scope)

    def kind_of(self, expr: ast.AST, kinds: dict[str, str], scope: Scope) -> str | None:
        if isinstance(expr, ast.Name):
            return kinds.get(expr.id)
        if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name) and expr.value.id == "self":
            return self.attribute_kinds.get((id(scope.class_node), expr.attr))
        if isinstance(expr, ast.Call):
            func = expr.func
            if is_image_data_generator(self.imports.qualify(func, scope.local_names, scope.imports)):
                return GENERATOR
            if isinstance(func, ast.Attribute) and func.attr in FLOW_METHODS:
                return ITERATOR if self.kind_of(func.value, kinds, scope) == GENERATOR else None
            if isinstance(func, ast.Name) and func.id in self.iterator_functions and func.id not in kinds:
                return ITERATOR
            if self.wraps_endless(expr, kinds, scope):
                return ENDLESS  # bar = tqdm(train_gen, file=sys.stdout): as endless as what it wraps
            if (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and func.value.id == "self"
                and func.attr in self.iterator_functions
            ):
                return ITERATOR
        return None

    # -- LFD202 -------------------------------------------------------------
    def unbounded(self, loop: ast.For, kinds: dict[str, str], scope: Scope) -> bool:
        if not self.iterates_forever(loop.iter, kinds, scope):
            return False
        return not loop_has_exit(loop) and not body_yields(loop)

    def iterates_forever(self, expr: ast.AST, kinds: dict[str, str], scope: Scope) -> bool:
        return self.kind_of(expr, kinds, scope) in (ITERATOR, ENDLESS)

    def wraps_endless(self, call: ast.Call, kinds: dict[str, str], scope: Scope) -> bool:
        """A pass-through wrapper (``tqdm``, ``enumerate``, ``iter``, ``itertools.chain``,
        ``more_itertools.peekable``, ``zip``) over an endless iterator."""
        func = call.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if not call.args:
            return False
        if name in TRANSPARENT_WRAPPERS:
            return self.iterates_forever(call.args[0], kinds, scope)
        if name in CHAINING_WRAPPERS:
            return any(self.iterates_forever(arg, kinds, scope) for arg in call.args)
        if name == "zip":
            # zip stops with its shortest input: endless only if every input is endless
            return all(self.iterates_forever(arg, kinds, scope) for arg in call.args)
        return False
