"""Where a resource's name is read after the engine found it: the extent of its ``with``.

The engine decides *whether* there is a finding (the resource's paths, releases
and escapes); this module only locates, in the syntax of the scope, the
statements that use the name the engine reported, so that a ``with`` can be
put around exactly them. It refuses (returns None) whenever moving those
statements could change what the program does:

* a use outside one contiguous run of statements of the opening block;
* a read of the name before the open inside a loop around it, or anywhere
  outside the run (after it, only once a plain assignment rebound the name);
* the name (or a value still tied to it: ``reader = csv.reader(f)``) captured
  lazily (``lambda``, nested ``def``, generator expression), stored on an
  attribute or in a subscript, handed to a container method (``batch.append(img)``),
  or returned / yielded;
* a statement of the run sharing a line with statements outside it (``a; b``).
"""
from __future__ import annotations

import ast
import bisect
from dataclasses import dataclass

from ..analysis.imports import ImportMap
from ..analysis.names import READER_NAMES
from ..analysis.sites import CONTAINER_ADDERS, is_keeping_method

NESTED_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
LAZY = NESTED_SCOPES + (ast.GeneratorExp,)
COMPREHENSION_SCOPES = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
LOOPS = (ast.For, ast.AsyncFor, ast.While)
#: attributes that are the underlying file itself (``img.fp``, ``f.buffer``)
HANDLE_ATTRIBUTES = frozenset({"fp", "_fp", "buffer", "raw", "file", "fileobj", "stream", "_file"})
#: methods that return the object itself or an iterator over it
VIEW_METHODS = frozenset({"__iter__", "__aiter__", "__enter__", "__aenter__", "detach"})
#: methods of files and images that make sense as a callback (attributes such as ``size`` do not)
CALLBACK_METHODS = frozenset({
    "close", "read", "readline", "readlines", "read1", "readinto", "write", "writelines", "flush", "seek", "tell",
    "fileno", "__next__", "__iter__", "__enter__", "__exit__", "load", "getdata", "tobytes", "save", "getpixel",
})
#: builtins that consume a generator expression at once
CONSUMERS = frozenset(
    {"list", "tuple", "set", "frozenset", "sorted", "sum", "min", "max", "any", "all", "dict", "join"}
)


def parent_map(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    parents = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    return parents


class LazyParents:
    """``parents[node]`` for the nodes of one module, each top-level statement's subtree
    mapped the first time one of its nodes is asked about (a fix touches few of them)."""

    def __init__(self, tree: ast.Module):
        self.tree = tree
        self.map: dict[ast.AST, ast.AST] = {stmt: tree for stmt in tree.body}
        self.starts = [_first_line(stmt) for stmt in tree.body]
        self.done: set[int] = set()

    def get(self, node: ast.AST, default=None):
        if node not in self.map and hasattr(node, "lineno"):
            index = bisect.bisect_right(self.starts, node.lineno) - 1
            if 0 <= index and index not in self.done:
                self.done.add(index)
                self.map.update(parent_map(self.tree.body[index]))
        return self.map.get(node, default)

    def __getitem__(self, node: ast.AST) -> ast.AST:
        found = self.get(node)
        if found is None:
            raise KeyError(node)
        return found


def _first_line(stmt: ast.stmt) -> int:
    return min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", ())])


def enclosing_block(stmt: ast.stmt, parents) -> list[ast.stmt] | None:
    """The statement list holding ``stmt`` (None in a class body)."""
    parent = parents.get(stmt)
    if isinstance(parent, ast.ClassDef):
        return None
    for name in ("body", "orelse", "finalbody"):
        block = getattr(parent, name, None)
        if isinstance(block, list) and any(s is stmt for s in block):
            return block
    return None


def scope_of(node: ast.AST, parents) -> ast.AST | None:
    """The function (or module) whose body holds ``node``; None inside a class body or lambda."""
    current = parents.get(node)
    while current is not None:
        if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
            return current
        if isinstance(current, (ast.ClassDef, ast.Lambda)):
            return None
        current = parents.get(current)
    return None


def walk_local(node: ast.AST):
    """Nodes of ``node`` without descending into nested scopes (the scope nodes themselves included)."""
    pending = [node]
    while pending:
        current = pending.pop()
        yield current
        if current is not node and isinstance(current, NESTED_SCOPES):
            continue
        pending.extend(ast.iter_child_nodes(current))


def name_reads(node: ast.AST, names: set[str], inside: bool = False):
    """Every Load/Del of one of ``names`` under ``node`` that may see ``node``'s binding: nested
    functions, lambdas and comprehensions are entered, except for names they bind themselves
    (``inside``: ``node`` itself is such a nested scope, seen from outside)."""
    pending = [(node, frozenset(names))]
    while pending:
        current, wanted = pending.pop()
        if (inside or current is not node) and isinstance(current, (*NESTED_SCOPES, *COMPREHENSION_SCOPES)):
            wanted = wanted - _own_names(current)
            if not wanted:
                continue
        if isinstance(current, ast.Name) and current.id in wanted and not isinstance(current.ctx, ast.Store):
            yield current
        pending.extend((child, wanted) for child in ast.iter_child_nodes(current))


def _own_names(scope: ast.AST) -> frozenset[str]:
    """Names local to a nested function, lambda or comprehension (a read there is not ours)."""
    if isinstance(scope, ast.ClassDef):
        return frozenset()  # a class body reads the enclosing names it does not bind first: keep them
    if isinstance(scope, COMPREHENSION_SCOPES):
        return frozenset(n.id for g in scope.generators for n in ast.walk(g.target) if isinstance(n, ast.Name))
    args = scope.args
    bound = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg] if a}
    if isinstance(scope, ast.Lambda):
        return frozenset(bound)
    declared = set()
    for inner in walk_local(scope):
        if isinstance(inner, ast.Name) and isinstance(inner.ctx, ast.Store):
            bound.add(inner.id)
        elif isinstance(inner, (ast.Global, ast.Nonlocal)):
            declared.update(inner.names)
        elif isinstance(inner, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in inner.names)
        elif isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and inner is not scope:
            bound.add(inner.name)
        elif isinstance(inner, ast.ExceptHandler) and inner.name:
            bound.add(inner.name)
    return frozenset(bound - declared)


#: library functions that read what they are given at once and return data (not a lazy view of it):
#: ``csv.reader(f)``, ``np.load(f)`` of an archive, ``pandas.read_csv(f, chunksize=...)`` are not
EAGER_PREFIXES = (
    "numpy.asarray", "numpy.array", "numpy.frombuffer", "numpy.fromfile", "numpy.loadtxt", "numpy.genfromtxt",
    "numpy.save", "numpy.mean", "numpy.sum", "numpy.stack", "numpy.concatenate", "numpy.float", "numpy.uint",
    "json.", "pickle.", "yaml.", "tomllib.", "tomli.", "toml.", "plistlib.", "marshal.", "hashlib.", "base64.",
    "struct.", "zlib.", "shutil.copyfileobj", "os.fstat", "os.path.", "torch.load", "torch.save", "torch.from_numpy",
    "PIL.ImageOps.", "PIL.ImageStat.", "PIL.ImageChops.", "PIL.ImageFilter.", "PIL.ImageDraw.Draw",
    "torchvision.transforms.functional.", "skimage.io.imread", "imageio.imread", "imageio.v2.imread",
    "imageio.v3.imread", "tensorflow.keras.preprocessing.image.img_to_array", "keras.preprocessing.image.img_to_array",
    "keras.utils.img_to_array", "tensorflow.keras.utils.img_to_array", "matplotlib.pyplot.imshow",
)
EAGER_BUILTINS = frozenset({
    "len", "list", "tuple", "set", "frozenset", "sorted", "sum", "min", "max", "any", "all", "dict", "str", "bytes",
    "bytearray", "int", "float", "bool", "repr", "print", "next", "isinstance", "hasattr", "id", "hash", "type",
    "format", "abs", "round", "divmod", "ord", "chr", "callable",
})
LAZY_KEYWORDS = frozenset({"chunksize", "iterator", "mmap_mode"})


def eager_reader(func: ast.AST, qualified: str | None, call: ast.Call) -> bool:
    """Whether ``call`` reads its arguments at once and returns data that does not keep them."""
    if any(k.arg in LAZY_KEYWORDS for k in call.keywords):
        return False
    if qualified is not None:
        if qualified.startswith("builtins."):
            return qualified[len("builtins."):] in EAGER_BUILTINS
        if qualified.startswith("pandas.read_"):
            return True
        return qualified.startswith(EAGER_PREFIXES)
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in READER_NAMES


@dataclass
class Holding:
    """Whether an expression's value may still be tied to one of ``tracked``."""

    imports: ImportMap
    #: expression nodes that stand for the resource itself (a temporary's opening call)
    nodes: frozenset[int] = frozenset()

    def qualify(self, func: ast.AST) -> str | None:
        return self.imports.qualify(func)

    def holds(self, expr: ast.AST | None, tracked: set[str]) -> bool:
        if expr is None or not (tracked or self.nodes):
            return False
        if id(expr) in self.nodes:
            return True
        if isinstance(expr, ast.Name):
            return expr.id in tracked
        if isinstance(expr, (ast.Starred, ast.Await, ast.NamedExpr)):
            return self.holds(expr.value, tracked)
        if isinstance(expr, (ast.Tuple, ast.List, ast.Set)):
            return any(self.holds(e, tracked) for e in expr.elts)
        if isinstance(expr, ast.Dict):
            return any(self.holds(e, tracked) for e in [*expr.keys, *expr.values] if e is not None)
        if isinstance(expr, ast.IfExp):
            return self.holds(expr.body, tracked) or self.holds(expr.orelse, tracked)
        if isinstance(expr, ast.BoolOp):
            return any(self.holds(v, tracked) for v in expr.values)
        if isinstance(expr, ast.Attribute):
            return expr.attr in HANDLE_ATTRIBUTES and self.holds(expr.value, tracked)
        if isinstance(expr, ast.Subscript):
            return self.holds(expr.value, tracked)  # h5py: f["x"] is a dataset of the open file
        if isinstance(expr, (ast.Lambda, ast.GeneratorExp)):
            return any(True for _ in name_reads(expr, tracked, inside=True))
        if isinstance(expr, (ast.ListComp, ast.SetComp)):
            return self.holds(expr.elt, tracked)
        if isinstance(expr, ast.DictComp):
            return self.holds(expr.key, tracked) or self.holds(expr.value, tracked)
        if isinstance(expr, ast.Call):
            return self.call_holds(expr, tracked)
        return False

    def call_holds(self, call: ast.Call, tracked: set[str]) -> bool:
        func = call.func
        if isinstance(func, ast.Attribute) and self.holds(func.value, tracked):
            return func.attr in VIEW_METHODS  # img.convert(), f.read(): data
        arguments = [*call.args, *(k.value for k in call.keywords)]
        if not any(self.argument_holds(a, tracked) for a in arguments):
            return self.holds(func, tracked)
        consumer = isinstance(func, ast.Name) and func.id in CONSUMERS
        if consumer and call.args and isinstance(call.args[0], ast.GeneratorExp):
            return any(self.holds(a, tracked) for a in arguments[1:])
        return not eager_reader(func, self.qualify(func), call)

    def argument_holds(self, arg: ast.AST, tracked: set[str]) -> bool:
        """As an argument, a bound method (``f.readline``) keeps its object too."""
        if isinstance(arg, ast.Attribute) and self._is_tracked_root(arg.value, tracked):
            return arg.attr in CALLBACK_METHODS or arg.attr in HANDLE_ATTRIBUTES  # img.size is data
        return self.holds(arg, tracked)

    @staticmethod
    def _is_tracked_root(expr: ast.AST | None, tracked: set[str]) -> bool:
        return isinstance(expr, ast.Name) and expr.id in tracked


@dataclass
class Run:
    """Statements ``block[start..end]`` use the resource; ``tracked`` every name tied to it."""

    block: list[ast.stmt]
    start: int
    end: int
    names: set[str]


class RunFinder:
    """The contiguous run of one block that uses a name bound (or a value made) at ``block[start]``."""

    def __init__(self, holding: Holding, parents):
        self.holding = holding
        self.parents = parents

    def find(self, block: list[ast.stmt], start: int, tracked: set[str], scope: ast.AST) -> Run | None:
        [name] = tracked
        tracked = set(tracked)
        ever = set(tracked)
        end = start
        for index in range(start + 1, len(block)):
            if not tracked:
                break
            stmt = block[index]
            if name in tracked and self.rebinds(stmt, name, tracked):
                return None  # bound once: only a plain assignment may end the name's tie
            reads = {n.id for n in name_reads(stmt, tracked)}
            if reads:
                end = index
                if not self.safe_use(stmt, tracked):
                    return None
            self.update(stmt, tracked, top_level=True)
            ever |= tracked
        run_nodes = block[start:end + 1]
        if not self.reads_confined(block, start, end, ever, scope, run_nodes):
            return None
        return Run(block, start, end, ever)

    def rebinds(self, stmt: ast.stmt, name: str, tracked: set[str]) -> bool:
        """``stmt`` binds ``name`` other than by a plain top-level ``name = <data>``."""
        binds = any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store) for n in walk_local(stmt))
        if not binds:
            return False
        plain = isinstance(stmt, ast.Assign) and all(isinstance(t, ast.Name) for t in stmt.targets)
        return not plain or self.holding.holds(stmt.value, tracked)

    # -- how tracked names flow through one statement ---------------------------
    def update(self, stmt: ast.stmt, tracked: set[str], top_level: bool) -> None:
        """Names bound from a value tied to ``tracked`` become tracked; a plain top-level
        assignment of anything else ends the name's tie (``img = img.convert("RGB")``); an
        object whose method is handed the resource may keep it (``loop.connect_pipe(f)``)."""
        self.taint_receivers(stmt, tracked)
        if top_level and isinstance(stmt, ast.Assign) and all(isinstance(t, ast.Name) for t in stmt.targets):
            tied = self.holding.holds(stmt.value, tracked)
            for target in stmt.targets:
                (tracked.add if tied else tracked.discard)(target.id)
            return
        for _ in range(2):  # a loop can carry a tie from its end to its start
            for node in walk_local(stmt):
                for targets, value in _bindings(node):
                    if self.holding.holds(value, tracked):
                        for target in targets:
                            tracked |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}

    def taint_receivers(self, stmt: ast.stmt, tracked: set[str]) -> None:
        """``self.loop.connect_write_pipe(proto, pipe)``: ``self`` may now hold the pipe, so
        its later reads are uses (a module's function, ``json.dump(obj, f)``, is not a holder)."""
        for node in walk_local(stmt):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            root = _root_name(node.func.value)
            if root is None or root in tracked or self.holding.qualify(node.func.value) is not None:
                continue
            arguments = [*node.args, *(k.value for k in node.keywords)]
            if any(self.holding.argument_holds(a, tracked) for a in arguments) and not eager_reader(
                node.func, self.holding.qualify(node.func), node
            ):
                tracked.add(root)

    def safe_use(self, stmt: ast.stmt, tracked: set[str]) -> bool:
        """No lazy capture, no store into something else, nothing tied handed out."""
        tracked = set(tracked)
        self.update(stmt, tracked, top_level=False)
        for node in walk_local(stmt):
            if isinstance(node, LAZY):
                captured = any(True for _ in name_reads(node, tracked, inside=True))
                if captured and not _consumed_at_once(node, self.parents):
                    return False  # def/lambda/generator expression: may run after the block
            elif isinstance(node, ast.Call) and any(self._callback(a, tracked) for a in node.args):
                return False  # submit(f.read), iter(f.readline, ""): a bound method may run after the block
            elif isinstance(node, (ast.Return, ast.Yield, ast.YieldFrom)):
                if self.holding.holds(node.value, tracked):
                    return False
            elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(not _plain_target(t) for t in targets) and self.holding.holds(node.value, tracked):
                    return False
            elif isinstance(node, (ast.Global, ast.Nonlocal)):
                return False
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                method = node.func.attr
                keeper = method in CONTAINER_ADDERS or is_keeping_method(method)
                receiver_tracked = self.holding.holds(node.func.value, tracked)
                arguments = [*node.args, *(k.value for k in node.keywords)]
                if keeper and not receiver_tracked and any(self.holding.argument_holds(a, tracked) for a in arguments):
                    return False
        return True

    @staticmethod
    def _callback(arg: ast.AST, tracked: set[str]) -> bool:
        return (
            isinstance(arg, ast.Attribute)
            and isinstance(arg.value, ast.Name)
            and arg.value.id in tracked
            and arg.attr in CALLBACK_METHODS
        )

    # -- reads outside the run -------------------------------------------------
    def reads_confined(self, block, start, end, names, scope, run_nodes, later_allowed: bool = True) -> bool:
        """No read of ``names`` outside the run, except before the open (outside any loop
        around it) and, with ``later_allowed``, after the run in the same block (names the
        run itself ended)."""
        opening = block[start]
        inside = {id(n) for stmt in run_nodes for n in ast.walk(stmt)}
        after = {id(n) for stmt in block[end + 1:] for n in ast.walk(stmt)} if later_allowed else set()
        loops = [a for a in _ancestors(opening, self.parents, scope) if isinstance(a, LOOPS)]
        for read in name_reads(scope, names):
            if id(read) in inside or id(read) in after:
                continue  # after the run: only names the run no longer ties (it ended there)
            if _before(read, opening) and not any(_contains(loop, read, self.parents, scope) for loop in loops):
                continue  # runs before the open, and no loop brings it back after
            return False
        return True


def _root_name(expr: ast.AST) -> str | None:
    """``self`` for ``self.loop``, ``batch`` for ``batch[0].items``."""
    while isinstance(expr, (ast.Attribute, ast.Subscript, ast.Call)):
        expr = expr.func if isinstance(expr, ast.Call) else expr.value
    return expr.id if isinstance(expr, ast.Name) else None


def _bindings(node: ast.AST):
    """(targets, value) of the bindings made by one node."""
    if isinstance(node, ast.Assign):
        yield node.targets, node.value
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and node.value is not None:
        yield [node.target], node.value
    elif isinstance(node, ast.NamedExpr):
        yield [node.target], node.value
    elif isinstance(node, (ast.For, ast.AsyncFor)) and isinstance(node.iter, (ast.Tuple, ast.List)):
        yield [node.target], node.iter  # for g in (f, other): g is f on one pass
    elif isinstance(node, (ast.With, ast.AsyncWith)):
        for item in node.items:
            if item.optional_vars is not None:
                yield [item.optional_vars], item.context_expr


def _plain_target(target: ast.AST) -> bool:
    if isinstance(target, ast.Name):
        return True
    if isinstance(target, (ast.Tuple, ast.List)):
        return all(_plain_target(e) for e in target.elts)
    if isinstance(target, ast.Starred):
        return _plain_target(target.value)
    return False


def _consumed_at_once(node: ast.AST, parents) -> bool:
    """``sum(x for x in f)``: a generator expression handed straight to a consumer."""
    parent = parents.get(node)
    return (
        isinstance(node, ast.GeneratorExp)
        and isinstance(parent, ast.Call)
        and parent.args[:1] == [node]
        and (getattr(parent.func, "id", None) or getattr(parent.func, "attr", None)) in CONSUMERS
    )


def _ancestors(node, parents, stop):
    current = parents.get(node)
    while current is not None and current is not stop:
        yield current
        current = parents.get(current)


def _contains(ancestor, node, parents, stop) -> bool:
    return any(a is ancestor for a in _ancestors(node, parents, stop))


def _before(node: ast.AST, stmt: ast.stmt) -> bool:
    return (node.lineno, node.col_offset) < (stmt.lineno, stmt.col_offset)
