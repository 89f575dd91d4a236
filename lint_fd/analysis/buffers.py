"""Attributes of a class that only ever hold in-memory buffers.

A dataset that caches its files' bytes (``self.images.append(io.BytesIO(f.read()))``)
and later decodes them (``Image.open(self.images[i])``) opens no descriptor: the image
reads a buffer. An attribute counts when every value the class stores in it, in any
method, is a buffer (or an empty container, or None to start with); one other store,
a mutation lint_fd does not read (``extend``, ``+=``...) or a store through another
object than ``self`` makes it an ordinary attribute, whose items may be paths.
"""
from __future__ import annotations

import ast

from .ownership import short_name

#: calls that make a buffer in memory (their short name, from any module)
BUFFER_CALLS = frozenset({"BytesIO", "StringIO"})
#: methods that store one value in a container (the last argument)
STORING_METHODS = frozenset({"append", "insert", "add"})
#: other methods that change a container's items: what they store is not read here
CHANGING_METHODS = frozenset({"extend", "update", "setdefault", "__setitem__"})


def buffer_attributes(class_node: ast.ClassDef) -> frozenset[str]:
    """The names ``X`` of ``self.X`` whose every stored value in the class is a buffer."""
    verdicts: dict[str, bool] = {}

    def store(attribute: str | None, is_buffer: bool) -> None:
        if attribute is not None:
            verdicts[attribute] = verdicts.get(attribute, True) and is_buffer

    for node in ast.walk(class_node):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                if isinstance(target, ast.Subscript):  # self.images[i] = io.BytesIO(data)
                    store(self_attribute(target.value), _is_buffer(node.value))
                else:
                    store(self_attribute(target), _holds_only_buffers(node.value))
        elif isinstance(node, ast.AugAssign):
            store(self_attribute(node.target), False)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            method = node.func.attr
            if method in STORING_METHODS:
                store(self_attribute(node.func.value), bool(node.args) and _is_buffer(node.args[-1]))
            elif method in CHANGING_METHODS:
                store(self_attribute(node.func.value), False)
    return frozenset(name for name, only_buffers in verdicts.items() if only_buffers)


def self_attribute(node: ast.AST) -> str | None:
    """``X`` for ``self.X``."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
        return node.attr
    return None


def _is_buffer(value: ast.AST) -> bool:
    """``io.BytesIO(data)``, ``BytesIO(f.read())``."""
    return isinstance(value, ast.Call) and short_name(value.func) in BUFFER_CALLS


def _holds_only_buffers(value: ast.AST) -> bool:
    """A buffer, a container literal or comprehension of buffers, an empty container, or None."""
    if isinstance(value, ast.Constant):
        return value.value is None
    if isinstance(value, (ast.List, ast.Tuple, ast.Set)):
        return all(_is_buffer(element) for element in value.elts)
    if isinstance(value, ast.Dict):
        return all(_is_buffer(element) for element in value.values)
    if isinstance(value, (ast.ListComp, ast.SetComp)):
        return _is_buffer(value.elt)
    if isinstance(value, ast.DictComp):
        return _is_buffer(value.value)
    if isinstance(value, ast.Call) and not value.args and not value.keywords:
        func = value.func
        if isinstance(func, ast.Name) and func.id in {"list", "dict", "set"}:
            return True
    return _is_buffer(value)
