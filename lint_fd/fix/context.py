"""What every planner of one round shares: the tree, its parents, positions, fresh names."""
from __future__ import annotations

import ast
import re

from .facts import Analysis
from .plans import AddImport, Span
from .uses import Holding, LazyParents, RunFinder

#: how a ``resource-factories`` entry's kind is named (lint_fd.analysis.kinds.user_kind)
DECLARED_KIND_PREFIX = "resource returned by "


def opens_context_manager(kind) -> bool:
    """Whether ``with`` may manage the resource: every kind of the opener table that is a
    context manager (images, files, archives, HDF5, readers...), but not captures and
    writers (``release()``, no ``__exit__``), and not a factory declared in the
    configuration, which lint_fd knows only by its release method, nor one handed back
    inside a tuple (``f, size = open_sized(p)``: the call's value is not the resource)."""
    return kind.managed and kind.element is None and not kind.what.startswith(DECLARED_KIND_PREFIX)


def suggested_name(kind, default: str) -> str:
    """``img`` from ``with Image.open(...) as img:``."""
    match = re.search(r" as (\w+):", kind.opener or "")
    return match.group(1) if match else default


class FixContext:
    def __init__(self, analysis: Analysis):
        self.analysis = analysis
        self.tree = analysis.tree
        self.parents = LazyParents(analysis.tree)
        self.holding = Holding(analysis.imports)
        self.runs = RunFinder(self.holding, self.parents)
        self.lines = analysis.source.splitlines(keepends=True)
        self._taken: set[str] | None = None
        self.made: dict[int, set[str]] = {}  # per scope: names fixes of this round introduced
        self._scope_names: dict[int, set[str]] = {}
        #: names global statements anywhere declare: binding one locally would be a global write
        self._module_globals: set[str] | None = None

    @property
    def taken(self) -> set[str]:
        """Every identifier of the module (computed when a module-level fix needs a name)."""
        if self._taken is None:
            self._taken = _identifiers(self.tree)
        return self._taken

    # -- positions -------------------------------------------------------------
    def char_col(self, line: int, byte_col: int) -> int:
        """``ast`` columns count UTF-8 bytes; libcst counts characters."""
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return len(text.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))

    def span(self, node: ast.AST) -> Span:
        return (node.lineno, self.char_col(node.lineno, node.col_offset),
                node.end_lineno, self.char_col(node.end_lineno, node.end_col_offset))

    # -- names -----------------------------------------------------------------
    def fresh_name(self, base: str, scope: ast.AST) -> str:
        """A name the scope never mentions (nested functions included), nor a fix of this round
        made; at module level, a name used nowhere in the module."""
        taken = self.taken if isinstance(scope, ast.Module) else self.scope_names(scope)
        made = self.made.setdefault(id(scope), set())
        name, number = base, 1
        while name in taken or name in made:
            name = f"{base}_{number}"
            number += 1
        made.add(name)
        return name

    def scope_names(self, scope: ast.AST) -> set[str]:
        if id(scope) not in self._scope_names:
            if self._module_globals is None:
                self._module_globals = {n for node in ast.walk(self.tree) if isinstance(node, ast.Global)
                                        for n in node.names}
            self._scope_names[id(scope)] = _identifiers(scope) | self._module_globals
        return self._scope_names[id(scope)]

    def imported(self, module: str, name: str) -> tuple[str, AddImport | None]:
        """How to spell ``module.name`` here: ``closing`` if imported so, ``contextlib.closing``
        (``import contextlib`` added when missing, or ``closing`` added to an existing
        ``from contextlib import ...``)."""
        qualified = f"{module}.{name}"
        for local, target in self.analysis.imports.names.items():
            if target == qualified and _module_level_import(self.tree, local):
                return local, None
        for local, target in self.analysis.imports.names.items():
            if target == module and _module_level_import(self.tree, local):
                return f"{local}.{name}", None
        for stmt in self.tree.body:
            if (isinstance(stmt, ast.ImportFrom) and stmt.module == module and stmt.level == 0
                    and name not in self.taken):
                return name, AddImport(module, name)
        return qualified, AddImport(module)


def _module_level_import(tree: ast.Module, local: str) -> bool:
    for stmt in tree.body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            if any((alias.asname or alias.name.split(".")[0]) == local for alias in stmt.names):
                return True
    return False


def _identifiers(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.arg):
            found.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(node.name)
        elif isinstance(node, ast.alias):
            found.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            found.update(node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            found.add(node.name)
    return found
