"""Closures: whether a nested function takes the resources it uses, or only reads them.

A nested function that uses an open resource holds it for as long as the function
lives. Where the function goes, the resource goes: returned, stored, decorated,
wrapped in an object, or given to a keeper, it hands the resource on (the flow walk
drops it as escaped). But a closure the scope only calls, or hands to a call that
only reads what it is given (``run_all(write_frame, tasks)``, ``map(put, lines)``:
the contract's "a function lint_fd cannot see reads its arguments", the same as a
bound method passed as a callback), carries nothing out of the scope, as long as it
only reads the resource itself (``w[k]``, ``f.write(x)``, ``next(iter(f))``) and does
not close it. Then the resource is still the scope's to release, and the closure's
name is one more name of it.
"""
from __future__ import annotations

import ast

from .ownership import is_pass_through, matches_setting, result_holds_arguments
from .resources import Scope, SourceFinder
from .sites import is_keeping_method, local_callee


def keeps_captured(definition: ast.AST, scope: Scope, finder: SourceFinder, open_names: set[str],
                   released_inside: set[str]) -> bool:
    """Whether the resources ``definition`` (a nested ``def`` of ``scope``) uses stay with
    the scope: see the module docstring. ``open_names``: the names of what is open before
    the definition; ``released_inside``: the names its body closes."""
    if not isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef)) or definition.decorator_list:
        return False
    if released_inside & open_names:
        return False  # it closes what it captures: whoever calls it, it is the owner
    inside_parents: dict[ast.AST, ast.AST] = {}
    is_generator = False
    for node in ast.walk(definition):
        for child in ast.iter_child_nodes(node):
            inside_parents[child] = node
        if isinstance(node, (ast.Yield, ast.YieldFrom, ast.Await)):
            is_generator = True  # runs later, piecemeal: wherever it is handed, it may outlive the call
    for node in ast.walk(definition):
        if type(node) is ast.Name and type(node.ctx) is ast.Load and node.id in open_names:
            if not _read_only(node, inside_parents, scope, finder):
                return False  # the resource itself is returned, stored or handed on in there
    for node in scope.of_type(ast.Name):
        if node.id == definition.name and type(node.ctx) is ast.Load:
            parent = finder.parents.get(node)
            if type(parent) is ast.Call and parent.func is node:
                continue  # called here
            if is_generator or not _read_only(node, finder.parents, scope, finder):
                return False  # the closure itself is returned, stored or handed to a keeper
    return True


def _read_only(node: ast.AST, parents: dict, scope: Scope, finder: SourceFinder) -> bool:
    """Whether this use of a value only reads it: ``x.attr``, ``x[k]``, ``k in x``, ``for i in
    x``, or an argument of a call that keeps nothing (through pass-through iterators:
    ``next(iter(x))``)."""
    for _ in range(8):  # a pass-through's result is read the same way, a few levels up
        parent = parents.get(node)
        kind = type(parent)
        if kind is ast.Attribute or kind is ast.Subscript:
            return parent.value is node
        if kind is ast.Compare:
            return True
        if kind is ast.comprehension or kind is ast.For or kind is ast.AsyncFor:
            return parent.iter is node
        if kind is ast.keyword:  # run(callback=put): read as the call reads it
            node = parent
            parent = parents.get(node)
            kind = type(parent)
        if kind is not ast.Call or parent.func is node:
            return False
        func = parent.func
        qualified = finder.qualify(func, scope)
        if is_pass_through(qualified):
            node = parent  # iter(x), enumerate(x): read as their result is read
            continue
        index = parent.args.index(node) if node in parent.args else None
        return not _may_keep(func, qualified, index, scope, finder)
    return False


def _may_keep(func: ast.AST, qualified: str | None, index: int | None, scope: Scope, finder: SourceFinder) -> bool:
    """Whether a call may keep its argument number ``index`` (None: a keyword): a constructor
    or owning wrapper, a keeping method, a ``keeper-functions`` entry, or a function of the
    analysed code that stores or returns that parameter."""
    if result_holds_arguments(func, qualified, finder, scope):
        return True
    if isinstance(func, ast.Attribute) and is_keeping_method(func.attr):
        return True
    if matches_setting(qualified, func, finder.keeper_functions):
        return True
    local = local_callee(func, scope)
    summaries = finder.summaries
    if local is None or summaries is None or not summaries.is_known(*local):
        return False
    return index is None or index in summaries.keeper_params(*local)
