"""Names: what each local name of a module means.

Pure bookkeeping of imports and definitions, in the spirit of pyflakes'
bindings: ``from PIL import Image`` makes ``Image`` mean ``PIL.Image``, so
``Image.open`` qualifies to ``PIL.Image.open``. Imports anywhere in the module
count (a function-level ``import`` is as good a hint as a top-level one).
"""
from __future__ import annotations

import ast
import builtins

BUILTIN_NAMES = frozenset(dir(builtins))

#: What a star import is known to bring in, for the names the rules care about.
STAR_EXPORTS = {
    "tensorflow.keras.preprocessing.image": {"ImageDataGenerator", "load_img", "img_to_array"},
    "keras.preprocessing.image": {"ImageDataGenerator", "load_img", "img_to_array"},
    "tf_keras.preprocessing.image": {"ImageDataGenerator", "load_img", "img_to_array"},
    "keras_preprocessing.image": {"ImageDataGenerator", "load_img", "img_to_array"},
    "keras.src.legacy.preprocessing.image": {"ImageDataGenerator"},
    "pathlib": {"Path", "PosixPath", "WindowsPath"},
    "io": {"open", "BytesIO", "StringIO"},
    "codecs": {"open"},
    # os.open returns a descriptor number, not a file object
    "os": {"open"},
    "posix": {"open"},
    "nt": {"open"},
}


class ImportMap:
    """Local name -> dotted qualified name, for one module."""

    def __init__(self, tree: ast.Module):
        self.names: dict[str, str] = {}
        #: names the module defines itself (def, class, assignment at module level)
        self.module_defined: set[str] = set()
        self.star_modules: list[str] = []
        self.add_imports(module_level_nodes(tree))
        self._collect_definitions(tree)

    def add_imports(self, nodes, into: dict | None = None) -> None:
        """Record the imports among ``nodes`` (module level, or into a function's own table)."""
        names = self.names if into is None else into
        for node in nodes:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        names[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".", 1)[0]
                        names.setdefault(top, top)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    if alias.name == "*":
                        self.star_modules.append(node.module)
                    else:
                        names[alias.asname or alias.name] = f"{node.module}.{alias.name}"

    def _collect_definitions(self, tree: ast.Module) -> None:
        body = getattr(tree, "body", [])
        aliases: dict[str, ast.AST | None] = {}
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.module_defined.add(stmt.name)
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for target in targets:
                    for name in ast.walk(target):
                        if isinstance(name, ast.Name):
                            self.module_defined.add(name.id)
                            # a name bound once, to a dotted name: ``open_image = Image.open``
                            single = isinstance(stmt, ast.Assign) and target is name and name.id not in aliases
                            aliases[name.id] = stmt.value if single else None
        for name, value in aliases.items():
            if isinstance(value, (ast.Name, ast.Attribute)) and name not in self.names:
                qualified = self.qualify(value)
                if qualified is not None and qualified != f"builtins.{name}":
                    self.names[name] = qualified  # a module-level alias means what it names

    def qualify_name(self, name: str, local_names: frozenset[str] = frozenset(), local_imports=None) -> str | None:
        """The dotted name ``name`` stands for, or None when it is a plain local."""
        if local_imports and name in local_imports:
            return local_imports[name]
        if name in local_names:
            return None
        if name in self.names:
            return self.names[name]
        if name in self.module_defined:
            return None
        for module in self.star_modules:
            if name in STAR_EXPORTS.get(module, ()):
                return f"{module}.{name}"
        if name in BUILTIN_NAMES:
            return f"builtins.{name}"
        return None

    def qualify(self, expr: ast.AST, local_names: frozenset[str] = frozenset(), local_imports=None) -> str | None:
        """Dotted name of ``Image.open``-like expressions (Name / Attribute chains)."""
        parts: list[str] = []
        while isinstance(expr, ast.Attribute):
            parts.append(expr.attr)
            expr = expr.value
        if not isinstance(expr, ast.Name):
            return None
        head = self.qualify_name(expr.id, local_names, local_imports)
        if head is None:
            return None
        parts.append(head)
        return ".".join(reversed(parts))

    def mentions_any(self, prefixes: tuple[str, ...]) -> bool:
        """Whether any import brings in something under one of ``prefixes``."""
        return any(value.startswith(prefixes) for value in self.names.values()) or any(
            module.startswith(prefixes) for module in self.star_modules
        )


#: how the line of an import statement starts
IMPORT_STARTS = ("import ", "import\t", "from ", "from\t")


def import_lines(source: str, indented_only: bool = False):
    """The lines of ``source`` that start an import statement (``import x``, ``from x import
    y``), stripped, a parenthesised list of names taken up to its closing parenthesis; found
    by a literal search for ``import``, which few lines hold. ``indented_only``: only those
    inside a block (a function's own imports), which the import map does not list."""
    seen: set[int] = set()
    position = source.find("import")
    while position != -1:
        start = source.rfind("\n", 0, position) + 1
        position = source.find("import", position + 6)
        if start in seen or (indented_only and source[start:start + 1] not in (" ", "\t")):
            continue
        seen.add(start)
        end = source.find("\n", start)
        text = source[start:end if end != -1 else len(source)].strip()
        if not text.startswith(IMPORT_STARTS):
            continue
        if text.endswith("("):  # from numpy import (\n load,\n)
            close = source.find(")", start, start + 2000)
            text = source[start:close + 1].strip() if close != -1 else text
        yield text


def module_level_nodes(tree: ast.Module):
    """Statements of the module body, entering ``if``/``try``/``with`` blocks but not defs or classes."""
    stack = list(reversed(getattr(tree, "body", [])))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.If, ast.Try, ast.With, ast.For, ast.While)) or type(node).__name__ == "TryStar":
            for field in ("body", "orelse", "finalbody"):
                stack.extend(reversed(getattr(node, field, [])))
            for handler in getattr(node, "handlers", []):
                stack.extend(reversed(handler.body))


def scope_nodes(root, parents: dict, by_type: dict | None = None) -> list[ast.AST]:
    """All nodes of one scope in source order (see :func:`iter_scope`), recording each one's
    parent in ``parents`` and, when ``by_type`` is given, grouping them there by exact class.

    A parent is recorded when its child is reached, in source order: the operator nodes
    (``ast.Add()``...) are shared by the whole tree and keep the parent of their last use."""
    if isinstance(root, list):
        stack = [(child, None) for child in reversed(root)]  # the module body: no parent
    else:
        stack = [(child, root) for child in reversed(root.body)]
    nodes: list[ast.AST] = []
    groups = by_type if by_type is not None else {}
    append = nodes.append
    push = stack.append
    pop = stack.pop
    node_type = ast.AST
    while stack:
        node, parent = pop()
        append(node)
        if parent is not None:
            parents[node] = parent
        kind = type(node)
        group = groups.get(kind)
        if group is None:
            groups[kind] = [node]
        else:
            group.append(node)
        if kind in SCOPE_BOUNDARIES:
            # decorators, defaults and base classes run in this scope; the body does not
            for child in reversed(definition_header(node)):
                push((child, node))
            continue
        fields = CHILD_FIELDS.get(kind)
        if fields is None:
            fields = child_fields(kind)
        for name in fields:  # last field first: the stack pops the first child first
            value = getattr(node, name, None)
            if type(value) is list:
                for child in reversed(value):
                    if isinstance(child, node_type):
                        push((child, node))
            elif isinstance(value, node_type):
                push((value, node))
    return nodes


#: statements whose body is a scope of its own (lambdas are entered); ``ast.parse`` makes no subclasses
SCOPE_BOUNDARIES = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef})
#: fields of the commonest classes that never hold a child node (identifiers, strings,
#: constants), skipped by :func:`scope_nodes`; ``ctx`` (Load/Store markers) is skipped everywhere
SCALAR_FIELDS: dict[type, frozenset[str]] = {
    ast.Name: frozenset({"id"}),
    ast.Attribute: frozenset({"attr"}),
    ast.Constant: frozenset({"value", "kind"}),
    ast.arg: frozenset({"arg", "type_comment"}),
    ast.keyword: frozenset({"arg"}),
    ast.alias: frozenset({"name", "asname"}),
}
#: :func:`child_fields` by class, filled on first use (the hot walks read it directly)
CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def child_fields(kind: type) -> tuple[str, ...]:
    """The fields of an ``ast`` class that may hold child nodes, last field first."""
    fields = CHILD_FIELDS.get(kind)
    if fields is None:
        scalar = SCALAR_FIELDS.get(kind, frozenset())
        fields = CHILD_FIELDS[kind] = tuple(
            reversed([name for name in kind._fields if name != "ctx" and name not in scalar]))
    return fields


def definition_header(node: ast.AST) -> list[ast.AST]:
    """The expressions of a ``def`` or ``class`` statement evaluated where it stands:
    decorators, default values, base classes and class keywords."""
    header = list(node.decorator_list)
    if isinstance(node, ast.ClassDef):
        header += [*node.bases, *(keyword.value for keyword in node.keywords)]
    else:
        header += [*node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)]
    return header


def bound_names(func: ast.AST, nodes=None, by_type: dict | None = None) -> frozenset[str]:
    """Names bound locally in a function (parameters, assignments, imports, defs); ``by_type``:
    the same ``nodes`` grouped by class (each kind of binding node is read from its group)."""
    names: set[str] = set()
    args = getattr(func, "args", None)
    if args is not None:
        for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
            if arg is not None:
                names.add(arg.arg)
    if by_type is None:
        by_type = group_by_type(node for node in (nodes if nodes is not None else iter_scope(func))
                                if isinstance(node, BINDING_NODES))
    for node in by_type.get(ast.Name, ()):
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
    for kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
        names.update(node.name for node in by_type.get(kind, ()))
    for kind in (ast.Import, ast.ImportFrom):
        for node in by_type.get(kind, ()):
            names.update(alias.asname or alias.name.split(".", 1)[0] for alias in node.names if alias.name != "*")
    for node in by_type.get(ast.ExceptHandler, ()):
        if node.name:
            names.add(node.name)
    declared_global = {
        name for kind in (ast.Global, ast.Nonlocal) for node in by_type.get(kind, ()) for name in node.names
    }
    return frozenset(names - declared_global)


#: the kinds of node that bind a name in their scope (see :func:`bound_names`)
BINDING_NODES = (ast.Name, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom,
                 ast.Global, ast.Nonlocal, ast.ExceptHandler)


def group_by_type(nodes) -> dict[type, list]:
    """``nodes`` grouped by exact class, each group in the order of ``nodes``
    (``ast.parse`` makes no subclasses, so a group holds every node of its kind)."""
    groups: dict[type, list] = {}
    for node in nodes:
        groups.setdefault(type(node), []).append(node)
    return groups


def iter_scope(scope: ast.AST):
    """Walk the nodes of one scope: nested functions, lambdas and classes are
    yielded themselves but not entered (comprehensions are entered)."""
    stack = list(ast.iter_child_nodes(scope)) if not isinstance(scope, list) else list(scope)
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
        stack = list(scope.body)
    stack.reverse()
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        children = list(ast.iter_child_nodes(node))
        children.reverse()
        stack.extend(children)
