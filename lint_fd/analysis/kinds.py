"""Resource kinds: the one table of openers the engine knows, and how each is released.

Every entry here was measured to hold an OS descriptor until it is released
(``tests/runtime/test_stack.py``, ``docs/runtime-evidence.md``). Openers that
were measured and hold none on the tested versions are listed in
:data:`NOT_RESOURCES` with the reason, and are not flagged.

A :class:`ResourceKind` says how a resource is named in messages, the method
that releases it and the fix a message shows. An :class:`Opener` says which
argument is the path (an opener handed a file object another owner manages
holds no descriptor of its own) and, for ``np.load``, what the code must show
before the call counts as an ``.npz`` archive.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

from .ownership import short_name


@dataclass(frozen=True)
class ResourceKind:
    """What a resource is, for messages: ``what`` names it, ``opener`` shows the fix.

    ``release`` is the method that releases it; ``managed`` says whether it is a
    context manager (``with``). A capture is not: its fix is ``cap.release()`` in
    ``finally``, and ``opener`` then shows that call. ``items`` says what its
    subscripts hold (see :func:`detached_item`): ``"all"`` (npz: arrays read into
    memory), ``"sliced"`` (HDF5: ``f["x"][i]`` is an array, ``f["x"]`` a dataset that
    keeps the file), or ``""`` (whatever a subscript returns may keep it). ``element``:
    for a function of the analysed code that returns the resource inside a tuple
    (``return cap, fps``), its position there (None: the call's value is the resource)."""

    what: str
    opener: str
    is_image: bool = False
    release: str = "close"
    managed: bool = True
    items: str = ""
    element: int | None = None


IMAGE = ResourceKind("PIL image", 'with Image.open(...) as img:', is_image=True)
FILE = ResourceKind("file", 'with open(...) as f:')
NPZ = ResourceKind("NumPy .npz archive", "with np.load(path) as data:", items="all")
HDF5 = ResourceKind("HDF5 file", 'with h5py.File(path, "r") as h5:', items="sliced")
ZIP = ResourceKind("zip archive", "with zipfile.ZipFile(path) as archive:")
TAR = ResourceKind("tar archive", "with tarfile.open(path) as archive:")
CAPTURE = ResourceKind("video capture", "cap.release()", release="release", managed=False)
VIDEO_WRITER = ResourceKind("video writer", "writer.release()", release="release", managed=False)
IMAGEIO_READER = ResourceKind("imageio reader", 'with iio.imopen(path, "r") as reader:')
IMAGEIO_VIDEO_WRITER = ResourceKind("imageio video writer", "with imageio.get_writer(path, fps=fps) as writer:")
SOUND_FILE = ResourceKind("sound file", "with soundfile.SoundFile(path) as sound:")
WAVE_FILE = ResourceKind("wave file", 'with wave.open(path, "rb") as wav:')
TEMP_FILE = ResourceKind("temporary file", "with tempfile.TemporaryFile() as tmp:")
FILEINPUT = ResourceKind("fileinput stream", "with fileinput.input(files) as lines:")
COMPRESSED_FILE = ResourceKind("compressed file", "with gzip.GzipFile(path) as f:")


@dataclass(frozen=True)
class Opener:
    """A call that returns a resource.

    ``path``: the positional index and keyword of the argument naming what is
    opened (None: no such argument, always a resource); ``fileobj``: the positional index
    and keyword of an argument that hands over a file object instead
    (``tarfile.open(fileobj=f)``, ``gzip.GzipFile("", "wb", 9, f)``);
    ``needs_argument``: with no argument nothing is opened (``cv2.VideoCapture()``);
    ``write_modes``: ``(index, keyword, prefix)`` of a mode argument whose constant
    value starting with ``prefix`` opens nothing on the tested versions; ``npz_only`` and
    ``video_only``: a resource only where the code shows an ``.npz`` archive (:func:`shows_npz`)
    or a video (:func:`shows_video`)."""

    kind: ResourceKind
    path: tuple[int, str] | None = (0, "file")
    fileobj: tuple[int, str] | None = None
    needs_argument: bool = True
    not_when_mode: tuple[int, str, str] | None = None
    npz_only: bool = False
    video_only: bool = False


OPENERS: dict[str, Opener] = {
    "numpy.load": Opener(NPZ, (0, "file"), npz_only=True),
    "h5py.File": Opener(HDF5, (0, "name")),
    "zipfile.ZipFile": Opener(ZIP, (0, "file")),
    "tarfile.open": Opener(TAR, (0, "name"), fileobj=(2, "fileobj")),
    "tarfile.TarFile": Opener(TAR, (0, "name"), fileobj=(2, "fileobj")),
    "tarfile.TarFile.open": Opener(TAR, (0, "name"), fileobj=(2, "fileobj")),
    "cv2.VideoCapture": Opener(CAPTURE, (0, "filename")),
    "cv2.VideoWriter": Opener(VIDEO_WRITER, (0, "filename")),
    "imageio.v3.imopen": Opener(IMAGEIO_READER, (0, "uri"), not_when_mode=(1, "io_mode", "w")),
    "imageio.imopen": Opener(IMAGEIO_READER, (0, "uri"), not_when_mode=(1, "io_mode", "w")),
    "imageio.get_reader": Opener(IMAGEIO_READER, (0, "uri")),
    "imageio.v2.get_reader": Opener(IMAGEIO_READER, (0, "uri")),
    "imageio.get_writer": Opener(IMAGEIO_VIDEO_WRITER, (0, "uri"), video_only=True),
    "imageio.v2.get_writer": Opener(IMAGEIO_VIDEO_WRITER, (0, "uri"), video_only=True),
    "soundfile.SoundFile": Opener(SOUND_FILE, (0, "file")),
    "wave.open": Opener(WAVE_FILE, (0, "f")),
    "tempfile.TemporaryFile": Opener(TEMP_FILE, None, needs_argument=False),
    "tempfile.NamedTemporaryFile": Opener(TEMP_FILE, None, needs_argument=False),
    "fileinput.FileInput": Opener(FILEINPUT, None, needs_argument=False),
    "gzip.GzipFile": Opener(COMPRESSED_FILE, (0, "filename"), fileobj=(3, "fileobj")),
    "bz2.BZ2File": Opener(COMPRESSED_FILE, (0, "filename")),
    "lzma.LZMAFile": Opener(COMPRESSED_FILE, (0, "filename")),
}

#: Measured, and holding no descriptor of its own on the tested versions: not flagged.
NOT_RESOURCES: dict[str, str] = {
    "numpy.load (.npy)": "returns an ndarray read into memory: 0 descriptors",
    "numpy.load (.npy, mmap_mode)": (
        "a numpy.memmap: Python's mmap keeps 1 descriptor until the array and every view of it "
        "are freed; it has no close(), so there is no release to check"
    ),
    "shelve.open / dbm.open": (
        "this Python has only dbm.dumb (no _gdbm, no _dbm), which opens its files per operation: 0 descriptors"
    ),
    "fileinput.input": (
        "the FileInput it returns (which holds a descriptor once read, like FileInput itself) is also kept "
        "in the fileinput module's global state, and fileinput.close() closes it: the module owns it"
    ),
    "imageio.get_writer (not a video)": (
        "the Pillow plugin (a .gif, a .png) buffers frames and writes on close(): 0 descriptors while open"
    ),
    "imageio.v3.imopen(..., 'w')": (
        "write() hands all frames to the plugin's writer at once and closes it: 0 descriptors after it, "
        "a video included"
    ),
}

#: Every release method of the kinds above (``.close()``, ``.release()`` for captures).
RELEASE_METHODS = frozenset({"close", "__exit__"} | {o.kind.release for o in OPENERS.values()})

#: module prefix -> short names of its openers (for the candidate-line search)
SHORT_NAMES: dict[str, frozenset[str]] = {}
for _qualified in OPENERS:
    _module = _qualified.split(".", 1)[0]
    SHORT_NAMES[_module] = SHORT_NAMES.get(_module, frozenset()) | {_qualified.rsplit(".", 1)[-1]}
del _qualified, _module


def may_mention_opener(source: str) -> bool:
    """The text prefilter: can ``source`` call one of the openers above? Its module must be
    imported (its name is in the text) and one of its openers named (cheap substring tests;
    the names containing "open" are let through by the caller's own test)."""
    return any(module in source and any(name in source for name in names) for module, names in SHORT_NAMES.items())


def may_call_opener(block: str, module_source: str) -> bool:
    """Can ``block`` (a function's text) call one of the openers above, given its module's
    text (where the imports are)? One of the opener modules is imported and one of its
    opener names appears in the block."""
    return any(
        module in module_source and any(name in block for name in names) for module, names in SHORT_NAMES.items()
    )


def factory_names(entries) -> list[str]:
    """The short names of ``resource-factories`` entries as calls spell them:
    ``"mylib.io.open_store:shutdown"`` -> ``"open_store"``."""
    return [parse_factory(entry)[0].rsplit(".", 1)[-1] for entry in entries]


def parse_factory(entry: str) -> tuple[str, str]:
    """``"mylib.open_store:shutdown"`` -> ``("mylib.open_store", "shutdown")``; the method defaults to close."""
    name, _, method = entry.partition(":")
    return name.strip(), method.strip() or "close"


def user_kind(qualified: str, method: str) -> ResourceKind:
    """The kind of a ``resource-factories`` entry."""
    if method == "close":
        return ResourceKind(f"resource returned by {qualified}()", f"with {qualified}(...) as res:")
    return ResourceKind(f"resource returned by {qualified}()", f"res.{method}()", release=method, managed=False)


def argument(call: ast.Call, index: int, keyword: str) -> ast.AST | None:
    """The argument at ``index`` or named ``keyword``."""
    if len(call.args) > index and not any(isinstance(a, ast.Starred) for a in call.args[: index + 1]):
        return call.args[index]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


def opens_nothing(opener: Opener, call: ast.Call) -> bool:
    """No argument where one is needed, only a file object handed over, or a write mode that opens nothing."""
    if opener.needs_argument and not call.args and not call.keywords:
        return True
    if opener.fileobj is not None:
        fileobj = argument(call, *opener.fileobj)
        if fileobj is not None and not (isinstance(fileobj, ast.Constant) and fileobj.value is None):
            return True  # tarfile.open(name, fileobj=f): reads f (whose owner closes it), opens nothing
    if opener.not_when_mode is not None:
        mode = argument(call, opener.not_when_mode[0], opener.not_when_mode[1])
        if isinstance(mode, ast.Constant) and isinstance(mode.value, str) and mode.value.startswith(
            opener.not_when_mode[2]
        ):
            return True
    return False


# -- np.load: an archive only where the code shows one --------------------------------------

NPZ_SUFFIX = ".npz"
#: methods and attributes of an NpzFile (a mapping) that an ndarray does not have
MAPPING_ATTRIBUTES = frozenset({"files", "keys", "items", "values", "get", "zip", "fid"})


def shows_npz(call: ast.Call, path: ast.AST | None, scope_nodes, parents: dict) -> bool:
    """``np.load`` returns an ``NpzFile`` here: the path ends in ``.npz`` (or comes from a glob of
    ``*.npz``), or the result is used as a mapping (``data["x"]``, ``data.files``, ``.keys()``,
    ``.items()``, ``for k in data: data[k]``)."""
    if path is not None and _ends_with(path, NPZ_SUFFIX, scope_nodes, 0):
        return True
    if _mapping_use(call, parents.get(call)):
        return True
    target = parents.get(call)
    if isinstance(target, (ast.Assign, ast.AnnAssign)) and target.value is call:
        targets = target.targets if isinstance(target, ast.Assign) else [target.target]
        names = {t.id for t in targets if isinstance(t, ast.Name)}
    elif isinstance(target, ast.withitem) and isinstance(target.optional_vars, ast.Name):
        names = {target.optional_vars.id}
    elif isinstance(target, ast.NamedExpr):
        names = {target.target.id}
    else:
        return False
    return bool(names) and _names_used_as_mapping(names, scope_nodes, parents, _binding_window(names, call, scope_nodes))


def _binding_window(names: set[str], call: ast.Call, scope_nodes) -> tuple[tuple, tuple]:
    """Where, in the text, the names hold this call's result: from the call to the end of the
    first rebinding after it (whose own value may still read the archive: ``d = d["x"]``,
    ``dic = {k: v for k, v in dic.items()}``). A mapping use there is a use of the archive;
    ``data = json.load(f); data["k"]`` elsewhere says nothing about it."""
    start = (call.lineno, call.col_offset)
    end = (float("inf"), 0)
    for node in scope_nodes:  # (a comprehension's target is in its own scope: it rebinds nothing here)
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.NamedExpr)):
            if getattr(node, "value", None) is call:
                continue
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            begin, stop = (node.lineno, node.col_offset), (node.end_lineno, node.end_col_offset)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            targets = [node.target]
            begin = stop = (node.target.lineno, node.target.col_offset)
        elif isinstance(node, ast.withitem) and node.optional_vars is not None and node.context_expr is not call:
            targets = [node.optional_vars]
            begin = stop = (node.optional_vars.lineno, node.optional_vars.col_offset)
        else:
            continue
        if begin > start and stop < end and any(
                isinstance(n, ast.Name) and n.id in names for target in targets for n in ast.walk(target)):
            end = stop
    return start, end


def _ends_with(expr: ast.AST, suffixes: str | tuple[str, ...], scope_nodes, depth: int) -> bool:
    """The last piece of a path expression is a string ending in one of ``suffixes``."""
    if depth > 3:
        return False
    if isinstance(expr, ast.Constant):
        return isinstance(expr.value, str) and expr.value.lower().endswith(suffixes)
    if isinstance(expr, ast.JoinedStr):
        return bool(expr.values) and _ends_with(expr.values[-1], suffixes, scope_nodes, depth + 1)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Add, ast.Div)):
        return _ends_with(expr.right, suffixes, scope_nodes, depth + 1)
    if isinstance(expr, ast.Call):
        func = expr.func
        name = short_name(func)
        if name in {"join", "joinpath", "with_suffix", "with_name", "Path", "PurePath", "str", "fspath"} and expr.args:
            return _ends_with(expr.args[-1], suffixes, scope_nodes, depth + 1)
        if name == "format" and isinstance(func, ast.Attribute):
            return _ends_with(func.value, suffixes, scope_nodes, depth + 1)
        return False
    if isinstance(expr, ast.Name):
        # a local bound once to such an expression: path = f"{root}/{name}.npz"; or a loop
        # variable over a glob of them: for path in glob.glob(os.path.join(root, "*.npz"))
        values = _assigned_values(expr.id, scope_nodes)
        iterables = [node.iter for node in scope_nodes if isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension))
                     and isinstance(node.target, ast.Name) and node.target.id == expr.id]
        if values:
            return len(values) == 1 and not iterables and _ends_with(values[0], suffixes, scope_nodes, depth + 1)
        return bool(iterables) and all(_globs(iterable, suffixes, scope_nodes, depth) for iterable in iterables)
    return False


#: calls listing the paths that match a pattern, their first argument: glob.glob, Path.rglob...
GLOB_CALLS = frozenset({"glob", "iglob", "rglob"})
#: calls that keep the items of what they are given, in some order: sorted(glob(...))
ORDERING_CALLS = frozenset({"sorted", "list", "tuple", "reversed", "tqdm"})


def _globs(expr: ast.AST, suffixes: str | tuple[str, ...], scope_nodes, depth: int) -> bool:
    """``glob.glob(os.path.join(root, "*.npz"))``, ``sorted(Path(d).rglob("*.npz"))``, or a
    local bound once to one: every path it lists ends in one of ``suffixes``."""
    if depth > 3:
        return False
    if isinstance(expr, ast.Name):
        values = _assigned_values(expr.id, scope_nodes)
        return len(values) == 1 and _globs(values[0], suffixes, scope_nodes, depth + 1)
    while isinstance(expr, ast.Call) and expr.args and short_name(expr.func) in ORDERING_CALLS:
        expr = expr.args[0]
    return isinstance(expr, ast.Call) and bool(expr.args) and short_name(expr.func) in GLOB_CALLS and \
        _ends_with(expr.args[0], suffixes, scope_nodes, depth)


# -- imageio.get_writer: a resource where the code shows a video -----------------------------

#: containers imageio hands to its FFMPEG plugin, each measured (tests/runtime/test_stack.py): the
#: writer holds two pipes to an ffmpeg subprocess from its first frame until close()
VIDEO_SUFFIXES = (".mp4", ".avi", ".mkv", ".mov", ".webm")
#: ``format=`` values that pick the FFMPEG plugin: its name, or one of the suffixes above
VIDEO_FORMATS = frozenset({"ffmpeg", *(suffix.lstrip(".") for suffix in VIDEO_SUFFIXES)})
#: keywords only the FFMPEG plugin's writer takes (any other plugin rejects them)
FFMPEG_KEYWORDS = frozenset({"codec", "bitrate", "macro_block_size", "ffmpeg_params", "pixelformat",
                             "output_params", "ffmpeg_log_level", "input_params"})


def shows_video(call: ast.Call, path: ast.AST | None, scope_nodes) -> bool:
    """``imageio.get_writer`` writes through ffmpeg here: the path ends in a video suffix (or
    comes from a glob of them), the format is ``"FFMPEG"`` or a video suffix (``"mp4"``), or an
    ffmpeg-only keyword is given (``codec=``, ``bitrate=``...). A writer of a ``.gif`` or of a
    path the code does not show may be the Pillow plugin's, which holds no descriptor."""
    if path is not None and _ends_with(path, VIDEO_SUFFIXES, scope_nodes, 0):
        return True
    fmt = argument(call, 1, "format")
    if isinstance(fmt, ast.Constant) and isinstance(fmt.value, str) and fmt.value.lower().lstrip(".") in VIDEO_FORMATS:
        return True
    return any(keyword.arg in FFMPEG_KEYWORDS for keyword in call.keywords)


def _assigned_values(name: str, scope_nodes) -> list[ast.AST]:
    """The values ``name = ...`` binds in the scope."""
    return [node.value for node in scope_nodes
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)]


def _mapping_use(node: ast.AST, parent: ast.AST | None) -> bool:
    """``node["x"]``, ``node.files``, ``node.keys()``, ``"x" in node``, ``dict(node)``."""
    if isinstance(parent, ast.Subscript) and parent.value is node:
        key = parent.slice
        return isinstance(key, ast.JoinedStr) or (isinstance(key, ast.Constant) and isinstance(key.value, str))
    if isinstance(parent, ast.Attribute) and parent.value is node:
        return parent.attr in MAPPING_ATTRIBUTES
    if isinstance(parent, ast.Compare) and node in parent.comparators:
        return isinstance(parent.left, ast.Constant) and isinstance(parent.left.value, str)
    if isinstance(parent, ast.Call) and node in parent.args:
        return isinstance(parent.func, ast.Name) and parent.func.id == "dict"
    return False


def _names_used_as_mapping(names: set[str], scope_nodes, parents: dict, window: tuple[tuple, tuple]) -> bool:
    """Whether ``names`` are used as a mapping between the two positions of ``window``."""
    start, end = window

    def inside(node: ast.AST) -> bool:
        return start < (node.lineno, node.col_offset) <= end

    key_names: set[str] = set()
    for node in scope_nodes:
        if isinstance(node, ast.Name) and node.id in names and _mapping_use(node, parents.get(node)) and inside(node):
            return True
        if isinstance(node, (ast.For, ast.comprehension)) and isinstance(node.iter, ast.Name) and \
                node.iter.id in names and inside(node.iter):
            key_names |= {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
    if not key_names:
        return False
    # for key in data: data[key] -- iterating over the keys of a mapping, not the rows of an array
    return any(
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Name)
        and node.value.id in names
        and isinstance(node.slice, ast.Name)
        and node.slice.id in key_names
        and inside(node)
        for node in scope_nodes
    )


def detached_item(expr: ast.Subscript, detached: dict[str, str]) -> bool:
    """Whether a subscript of a resource is data read into memory, holding no reference to it.

    ``data["x"]`` of an npz archive is an ndarray; ``h5["images"][i]`` (an index or slice of
    a dataset) is an ndarray, while ``h5["images"]`` is a dataset that keeps the file open."""
    base = expr.value
    depth = 1
    while isinstance(base, ast.Subscript):
        base, depth = base.value, depth + 1
    if not isinstance(base, ast.Name) or base.id not in detached:
        return False
    how = detached[base.id]
    if how == "all":  # ("in:..." is a container of them: its subscript is the resource itself)
        return True
    key = expr.slice
    is_name_key = isinstance(key, (ast.Constant, ast.JoinedStr)) and not (
        isinstance(key, ast.Constant) and (key.value is Ellipsis or not isinstance(key.value, str))
    )
    if how == "dataset":  # group = h5[name]; group["x"][:] or ds[i] is data, group["x"] another object
        return not is_name_key
    return how == "sliced" and depth >= 2 and not is_name_key


def dataset_names(scope_nodes, detached: dict[str, str]) -> dict[str, str]:
    """Locals bound to a member of an HDF5 file (``group = h5[name]``, ``ds = h5["images"]``):
    they keep the file alive, and their indexes and slices are data read into memory."""
    found: dict[str, str] = {}
    for node in scope_nodes:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Subscript)
            and isinstance(node.value.value, ast.Name)
            and detached.get(node.value.value.id) in {"sliced", "dataset"}
        ):
            found[node.targets[0].id] = "dataset"
    return found


def inherited_detached(generators: list[ast.comprehension], detached: dict[str, str]) -> dict[str, str]:
    """``[h["x"][0] for h in files]`` over a container of such resources (``"in:"`` + how):
    the loop names are the resources themselves."""
    found: dict[str, str] = {}
    for generator in generators:
        how = detached.get(generator.iter.id, "") if isinstance(generator.iter, ast.Name) else ""
        if how.startswith("in:"):
            for node in ast.walk(generator.target):
                if isinstance(node, ast.Name):
                    found[node.id] = how[3:]
    return found


def kinds_markdown() -> str:
    """The resource kinds as a markdown list, for the rule pages (``{resource_kinds}`` in a rule docstring)."""
    by_kind: dict[ResourceKind, list[str]] = {}
    for qualified, opener in OPENERS.items():
        by_kind.setdefault(opener.kind, []).append(f"`{qualified}`")
    lines = [
        "- PIL image: `PIL.Image.open` (every import form); released by `close()` or `with`",
        "- file: `open`, `io.open`, `codecs.open`, `gzip`/`bz2`/`lzma.open`, `Path(...).open()`; "
        "`close()` or `with`",
    ]
    for kind, names in by_kind.items():
        how = f"`{kind.release}()`" + (" or `with`" if kind.managed else " (not a context manager)")
        only = " (only where the code shows an `.npz` archive: a path ending in `.npz`, one listed by a glob " \
            "of `*.npz`, or the result used as a mapping)" if kind is NPZ else ""
        if kind is IMAGEIO_VIDEO_WRITER:
            only = (f" (only where the code shows a video: a path ending in {', '.join(f'`{s}`' for s in VIDEO_SUFFIXES)}, "
                    "`format=\"FFMPEG\"` (or `\"mp4\"`...), or an ffmpeg-only keyword such as `codec=`; it holds two pipes to an "
                    "ffmpeg process from its first frame)")
        lines.append(f"- {kind.what}: {', '.join(names)}{only}; released by {how}")
    lines.append("- whatever `resource-factories` names (`name:method` gives its release method), and the "
                 "functions of your code that return a fresh resource")
    lines.append("")
    lines.append("Measured and not flagged (no descriptor of their own, or nothing to release): "
                 + "; ".join(f"{name}: {why}" for name, why in NOT_RESOURCES.items()) + ".")
    return "\n".join(lines)
