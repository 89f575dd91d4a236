"""Sources: which calls create a resource that must be closed.

The contract's factories (``PIL.Image.open`` however imported, builtin ``open``
unless shadowed, ``io``/``codecs``/``gzip``/``bz2``/``lzma.open``,
``pathlib.Path(...).open()``), user-configured factories, and functions of the
module that return a fresh resource (they become factories for their callers).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field

from . import kinds
from .buffers import buffer_attributes, self_attribute
from .imports import ImportMap, bound_names, scope_nodes
from .kinds import FILE, IMAGE, ResourceKind  # noqa: F401 - re-exported: the kinds live in kinds.py

FILE_FACTORIES = frozenset(
    {"builtins.open", "io.open", "codecs.open", "gzip.open", "bz2.open", "lzma.open", "_io.open"}
)
IMAGE_FACTORIES = frozenset({"PIL.Image.open"})
#: file openers that also accept a file object: on a buffer or a borrowed file they open no descriptor
MEMORY_CAPABLE_OPENERS = frozenset({"gzip.open", "bz2.open", "lzma.open"})
PATH_CONSTRUCTORS = frozenset(
    {"pathlib.Path", "pathlib.PosixPath", "pathlib.WindowsPath", "pathlib.PurePath"}
)
PATH_METHODS = frozenset(
    {"with_suffix", "with_name", "with_stem", "joinpath", "resolve", "absolute", "expanduser", "relative_to"}
)
#: Calls whose result is an in-memory or borrowed file object: ``Image.open`` on it holds no descriptor.
FILELIKE_CALLS = frozenset(
    {"io.BytesIO", "io.StringIO", "urllib.request.urlopen", "tempfile.SpooledTemporaryFile"}
)
#: calls that return a file object in memory, whatever module they come from: ``BytesIO``,
#: Streamlit's ``st.file_uploader``/``st.camera_input`` (an ``UploadedFile``, a ``BytesIO``)
FILELIKE_CALL_NAMES = frozenset({"BytesIO", "StringIO", "urlopen", "file_uploader", "camera_input"})
#: the uploads of a web request: Flask/werkzeug ``request.files[...]`` (a ``FileStorage``), Django
#: ``request.FILES[...]``: file objects the request owns and closes
UPLOAD_ATTRS = frozenset({"files", "FILES"})
REQUEST_NAMES = frozenset({"request", "req"})
FILELIKE_ATTRS = frozenset({"raw", "stream", "file", "fp", "buffer"})
FILELIKE_PARAM_NAMES = frozenset(
    {"f", "fp", "fh", "fd", "fobj", "fileobj", "file_obj", "stream", "buf", "buffer", "bio", "raw", "blob",
     "byte_stream", "bytes_io", "data", "content", "image_bytes", "img_bytes"}
)
FILELIKE_NAME_SUFFIXES = ("_fp", "_fh", "_stream", "_buffer", "_buf", "_io", "_bytes", "_bio")


def call_name(call: ast.Call) -> str:
    """The short name of what is called: ``load`` for ``load(p)`` and ``self.load(p)``."""
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


@dataclass
class Scope:
    """One function body (or the module body) as the analysis sees it."""

    node: ast.AST
    body: list[ast.stmt]
    local_names: frozenset[str]
    class_node: ast.ClassDef | None = None
    is_module: bool = False
    path_names: set[str] = field(default_factory=set)
    filelike_names: set[str] = field(default_factory=set)
    params: frozenset[str] = frozenset()
    #: names whose binding outlives the scope: ``global``/``nonlocal`` declarations, and at
    #: module level the names that functions of the module read (long-lived state)
    escaping: frozenset[str] = frozenset()
    is_generator: bool = False
    is_context_manager: bool = False
    #: every node of the scope, in source order (nested scopes not entered)
    nodes: list = field(default_factory=list)
    #: the function's own imports (they shadow the module's)
    imports: dict = field(default_factory=dict)
    #: statement id -> whether it runs inside a loop of this scope
    loop_memo: dict = field(default_factory=dict)
    #: the nodes by exact type, each list in source order (filled by :func:`~.imports.scope_nodes`)
    by_type: dict = field(default_factory=dict)

    def of_type(self, *types: type) -> list:
        """The scope's nodes of these exact ``ast`` classes (one list per class, concatenated)."""
        if len(types) == 1:
            return self.by_type.get(types[0], [])
        return [node for kind in types for node in self.by_type.get(kind, ())]


def make_scope(node: ast.AST, class_node: ast.ClassDef | None = None, parents: dict | None = None) -> Scope:
    """A scope with its nodes listed once, grouped by type in the same pass (parents recorded
    in ``parents``)."""
    parents = {} if parents is None else parents
    by_type: dict[type, list] = {}
    if isinstance(node, ast.Module):
        scope = Scope(node, node.body, frozenset(), is_module=True)
        scope.nodes = scope_nodes(node.body, parents, by_type)
        scope.by_type = by_type
    elif isinstance(node, ast.ClassDef):
        # a class body: what it binds are class attributes, long-lived state that escapes
        nodes = scope_nodes(node, parents, by_type)
        local = bound_names(node, nodes, by_type)
        scope = Scope(node, node.body, local, class_node, nodes=nodes, escaping=local, by_type=by_type)
    else:
        nodes = scope_nodes(node, parents, by_type)
        args = node.args
        params = frozenset(
            a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg] if a
        )
        scope = Scope(node, node.body, bound_names(node, nodes, by_type), class_node, params=params, nodes=nodes,
                      by_type=by_type)
        for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
            if arg.annotation is not None and _annotation_is_path(arg.annotation):
                scope.path_names.add(arg.arg)
    return scope


#: the kinds of node :meth:`SourceFinder.learn_scope_names` reads
LEARNT_NODES = frozenset({ast.Assign, ast.AnnAssign, ast.NamedExpr, ast.With, ast.AsyncWith, ast.Call})


def _annotation_is_path(annotation: ast.AST) -> bool:
    text = ast.unparse(annotation) if hasattr(ast, "unparse") else ""
    return text in {"Path", "pathlib.Path", "PosixPath"}


class SourceFinder:
    """Decides whether a call creates a resource, given the module's names."""

    def __init__(self, imports: ImportMap, extra_factories: tuple[str, ...] = (),
                 keeper_functions: tuple[str, ...] = (), release_functions: tuple[str, ...] = ()):
        self.imports = imports
        #: resource-factories entries: dotted name -> release method (``mylib.open_store:close``)
        self.extra_factories = dict(kinds.parse_factory(entry) for entry in extra_factories)
        #: method names that release a resource: close, __exit__, release, and the configured ones
        self.release_methods = kinds.RELEASE_METHODS | frozenset(self.extra_factories.values())
        #: the user's ``keeper-functions`` (take ownership of what they receive) and
        #: ``release-functions`` (close what they receive), dotted or bare names
        self.keeper_functions = frozenset(keeper_functions)
        self.release_functions = frozenset(release_functions)
        #: child -> parent links of the scopes listed so far (filled by the engine)
        self.parents: dict[ast.AST, ast.AST] = {}
        #: what the module's own functions do with their arguments (set by the engine)
        self.summaries = None
        #: module functions that return a fresh resource: name -> kind
        self.function_factories: dict[str, ResourceKind] = {}
        #: methods (any class of the module) that return a fresh resource: name -> kind
        self.method_factories: dict[str, ResourceKind] = {}
        #: the project's other modules (:class:`~.project.ProjectImports`, set by the engine)
        self.project = None
        #: functions defined inside a function that return a fresh resource:
        #: id(enclosing function node) -> {name: kind}
        self.nested_factories: dict[int, dict[str, ResourceKind]] = {}
        self._qualified: dict[tuple[int, int], tuple[ast.AST, str | None]] = {}
        self._buffer_attributes: dict[int, tuple[ast.ClassDef, frozenset[str]]] = {}

    # -- name helpers -------------------------------------------------------
    def qualify(self, expr: ast.AST, scope: Scope) -> str | None:
        """:meth:`~.imports.ImportMap.qualify` in ``scope``, worked out once per expression: the
        engine asks it of the same callee when it looks for sites, follows values and plans raises."""
        key = (id(expr), id(scope))
        known = self._qualified.get(key)
        if known is not None and known[0] is expr:
            return known[1]
        found = self.imports.qualify(expr, scope.local_names, scope.imports)
        self._qualified[key] = (expr, found)  # the expression is kept, so its id is never another's
        return found

    def learn_scope_names(self, scope: Scope) -> None:
        """Record which local names hold paths and which hold file objects."""
        learnt = LEARNT_NODES
        for node in scope.nodes:
            if type(node) not in learnt:
                continue
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                self._learn_binding(node.targets[0].id, node.value, scope)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
                self._learn_binding(node.target.id, node.value, scope)
            elif isinstance(node, ast.NamedExpr):
                self._learn_binding(node.target.id, node.value, scope)
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if isinstance(item.optional_vars, ast.Name):
                        scope.filelike_names.add(item.optional_vars.id)
            elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Name):
                # Path(f), os.path.basename(f), open(f): whatever its name, f is a path here
                qualified = self.qualify(node.func, scope) or ""
                if qualified in PATH_CONSTRUCTORS or qualified in FILE_FACTORIES or qualified.startswith("os.path."):
                    scope.path_names.add(node.args[0].id)

    def _learn_binding(self, name: str, value: ast.AST, scope: Scope) -> None:
        if self.is_path_expr(value, scope):
            scope.path_names.add(name)
        elif isinstance(value, ast.Call) and (
            self.qualify(value.func, scope) in FILELIKE_CALLS | FILE_FACTORIES
            or call_name(value) in FILELIKE_CALL_NAMES
        ) or is_request_upload(value):
            scope.filelike_names.add(name)

    def is_path_expr(self, expr: ast.AST, scope: Scope) -> bool:
        if isinstance(expr, ast.Name):
            return expr.id in scope.path_names
        if isinstance(expr, ast.Call):
            if self.qualify(expr.func, scope) in PATH_CONSTRUCTORS:
                return True
            func = expr.func
            return isinstance(func, ast.Attribute) and func.attr in PATH_METHODS and self.is_path_expr(func.value, scope)
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Div):
            return self.is_path_expr(expr.left, scope)
        if isinstance(expr, ast.Attribute) and expr.attr in {"parent"}:
            return self.is_path_expr(expr.value, scope)
        return False

    def _checked_filelike(self, call: ast.Call, name: str) -> bool:
        """``if isinstance(fp, io.BytesIO): img = Image.open(fp)``: a file object, checked."""
        child: ast.AST = call
        parent = self.parents.get(call)
        while parent is not None and not isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            if isinstance(parent, (ast.If, ast.IfExp)) and child is not parent.test:
                in_body = child in parent.body if isinstance(parent, ast.If) else child is parent.body
                if in_body and _guard_says_filelike(parent.test, name):
                    return True
            child, parent = parent, self.parents.get(parent)
        return False

    # -- the question -------------------------------------------------------
    def resource_kind(self, call: ast.Call, scope: Scope) -> ResourceKind | None:
        """The kind of resource ``call`` creates, or None when it creates none."""
        qualified = self.qualify(call.func, scope)
        if qualified is not None:
            if qualified in IMAGE_FACTORIES:
                return IMAGE if not self._opens_file_object(call, scope) else None
            if qualified in FILE_FACTORIES:
                if qualified == "builtins.open" and _opens_descriptor_number(call):
                    return None
                if qualified in MEMORY_CAPABLE_OPENERS and self._opens_file_object(call, scope):
                    return None  # gzip.open(io.BytesIO(data)): a layer over a buffer, no descriptor
                return FILE
            opener = kinds.OPENERS.get(qualified)
            if opener is not None:
                return self._opener_kind(opener, call, scope)
            if qualified in self.extra_factories:
                return kinds.user_kind(qualified, self.extra_factories[qualified])
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr == "open" and self.is_path_expr(func.value, scope):
            return FILE
        if isinstance(func, ast.Name) and func.id in scope.local_names:
            nested = self.nested_factories.get(id(scope.node))
            if nested and func.id in nested:
                return nested[func.id]  # def load(p): return Image.open(p), defined in this function
        elif isinstance(func, ast.Name) and func.id in self.function_factories:
            return self.function_factories[func.id]
        elif isinstance(func, ast.Name) and self.project is not None and func.id in self.project.imported:
            return self.project.factory(func.id)  # from .io import load_image
        if (
            self.project is not None
            and isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id in self.project.imported
            and func.value.id not in scope.local_names
        ):
            return self.project.factory(f"{func.value.id}.{func.attr}")  # from . import io; io.load_image(p)
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id in {"self", "cls"}
            and func.attr in self.method_factories
        ):
            return self.method_factories[func.attr]
        return None

    def _opener_kind(self, opener: kinds.Opener, call: ast.Call, scope: Scope) -> ResourceKind | None:
        """An opener of the kinds table: not a resource when it is handed a file object (``zipfile.ZipFile(f)``),
        opens nothing, or (``np.load``, ``imageio.get_writer``) when the code does not show an ``.npz`` archive or a video."""
        if kinds.opens_nothing(opener, call):
            return None
        path = kinds.argument(call, *opener.path) if opener.path is not None else None
        if path is not None and self._is_file_object(path, call, scope):
            return None
        if opener.npz_only and not kinds.shows_npz(call, path, scope.nodes, self.parents):
            return None
        if opener.video_only and not kinds.shows_video(call, path, scope.nodes):
            return None
        return opener.kind

    def _opens_file_object(self, call: ast.Call, scope: Scope) -> bool:
        """``Image.open(io.BytesIO(data))`` or ``Image.open(f)`` on a managed file holds no descriptor of its own."""
        arg = call.args[0] if call.args else next(
            (k.value for k in call.keywords if k.arg in {"fp", "filename", "fileobj"}), None
        )
        if arg is None:
            return False
        return self._is_file_object(arg, call, scope)

    def _is_file_object(self, arg: ast.AST, call: ast.Call, scope: Scope) -> bool:
        """Whether the argument ``arg`` of an opening ``call`` is an in-memory or borrowed file object."""
        if isinstance(arg, ast.Call):
            if self.resource_kind(arg, scope) is not None:
                return True
            qualified = self.qualify(arg.func, scope)
            return qualified in FILELIKE_CALLS or call_name(arg) in FILELIKE_CALL_NAMES or is_request_upload(arg)
        if isinstance(arg, ast.Subscript):
            return is_request_upload(arg) or self._holds_buffers(arg.value, scope)
        if isinstance(arg, ast.Attribute):
            return arg.attr in FILELIKE_ATTRS or self._holds_buffers(arg, scope)
        if isinstance(arg, ast.Name):
            if arg.id in scope.filelike_names or self._checked_filelike(call, arg.id):
                return True
            if arg.id in scope.path_names or (arg.id in scope.local_names and arg.id not in scope.params):
                return False  # a local bound to something else than a file object: a path
            return arg.id in FILELIKE_PARAM_NAMES or arg.id.endswith(FILELIKE_NAME_SUFFIXES)
        return False

    def _holds_buffers(self, expr: ast.AST, scope: Scope) -> bool:
        """``self.images`` where the class stores only in-memory buffers (see :mod:`.buffers`)."""
        attribute = self_attribute(expr)
        if attribute is None or scope.class_node is None:
            return False
        known = self._buffer_attributes.get(id(scope.class_node))
        if known is None or known[0] is not scope.class_node:
            known = self._buffer_attributes[id(scope.class_node)] = (scope.class_node,
                                                                      buffer_attributes(scope.class_node))
        return attribute in known[1]


def is_request_upload(expr: ast.AST) -> bool:
    """``request.files["image"]``, ``request.files.get("image")``, ``request.FILES["f"]``: an upload
    the web request owns (werkzeug ``FileStorage``, Django ``UploadedFile``), not a path. Ex)
    ``Image.open(request.files["image"])``; ``self.files[i]`` (a dataset's paths) is not one."""
    if isinstance(expr, ast.Subscript):
        files = expr.value
    elif isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "get":
        files = expr.func.value
    else:
        return False
    return (isinstance(files, ast.Attribute) and files.attr in UPLOAD_ATTRS
            and isinstance(files.value, ast.Name) and files.value.id in REQUEST_NAMES)


FILELIKE_TYPE_WORDS = ("BytesIO", "StringIO", "IOBase", "BufferedReader", "SpooledTemporaryFile")


def _guard_says_filelike(test: ast.AST, name: str) -> bool:
    """``isinstance(name, io.BytesIO)`` or ``hasattr(name, "read")``."""
    if not (isinstance(test, ast.Call) and isinstance(test.func, ast.Name) and len(test.args) == 2):
        return False
    subject, kind = test.args
    if not (isinstance(subject, ast.Name) and subject.id == name):
        return False
    if test.func.id == "isinstance":
        text = ast.unparse(kind)
        return any(word in text for word in FILELIKE_TYPE_WORDS)
    if test.func.id == "hasattr":
        return isinstance(kind, ast.Constant) and kind.value in {"read", "seek"}
    return False


def _opens_descriptor_number(call: ast.Call) -> bool:
    """``open(fd_number, closefd=False)`` wraps a descriptor it does not own."""
    return any(k.arg == "closefd" and isinstance(k.value, ast.Constant) and not k.value.value for k in call.keywords)
