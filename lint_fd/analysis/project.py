"""The project view: what the project's other modules do with resources.

A file's imports that land on another file of the same project are resolved
(relative imports always; absolute imports when they resolve to a file under the
project root, the nearest folder upward holding ``pyproject.toml``, ``setup.cfg``,
``setup.py`` or ``.git``). Those modules are parsed — never imported or run — and
asked, name by name and only when the analysis needs it, the facts the engine
knows about its own functions: factories (return a fresh resource), closers and
keepers (close or keep a parameter), and generators that hold a resource across
a ``yield``. A module that cannot be read or parsed contributes nothing.

Cost is kept small by asking late and cheaply: an import is resolved only when the
file calls what it imports; a module is parsed only when the text of the called
function could return or yield a resource (it names an opener, a configured
factory, or calls another function that may); each answer is remembered per
process, keyed by the module's content hash (a changed file is read again: its
size and modification time are checked), and only a few parsed trees are kept
alive at a time (the most recently asked). Every file that used a module's facts records that module's
content hash (:meth:`ProjectImports.dependencies`), and the ``lint-fd`` result
cache re-checks those hashes before serving a cached result. The summaries
themselves are not written to disk.
"""
from __future__ import annotations

import ast
import hashlib
import io
import os
import re
import tokenize
import warnings
from dataclasses import dataclass, field

from . import kinds
from .imports import import_lines

ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")
#: how deep a chain of modules is followed (a factory of a factory of another module...)
MAX_DEPTH = 3
#: a module larger than this is not summarised (generated code; the cost would be the parse)
MAX_MODULE_BYTES = 2_000_000
#: the start of the next top-level statement after a ``def`` (its end, for a text search)
NEXT_TOP_LEVEL = re.compile(r"\n(?=[^\s#)\]}])")
#: ``name(`` in a function's text: what it calls
CALLED_NAME = re.compile(r"(?<![\w.])([A-Za-z_]\w*)\s*\(")
#: ``from .pkg import a, b as c`` (also parenthesised over several lines): the names it binds
RELATIVE_IMPORT = re.compile(r"^[ \t]*from[ \t]+\.[\w.]*[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)", re.M)
#: tokens a function's text is searched without (see :meth:`ModuleSummary._code`)
SKIPPED_TOKENS = frozenset({tokenize.COMMENT, tokenize.STRING})
#: ``from module import *`` (on an import line)
STAR_IMPORT = re.compile(r"\bimport\s+\*")
#: the last component of every opener, as a call spells it: ``VideoCapture``, ``load``, ``open``...
OPENER_SHORT_NAMES = frozenset({"open"}).union(*kinds.SHORT_NAMES.values())
#: how many summarised modules keep their tree in memory at once (the most recently asked ones:
#: a package's central module, PIL's ``Image``, is asked by most files and stays parsed)
LIVE_ANALYSES = 2


@dataclass
class ModuleFile:
    """One module of the project as read from disk."""

    path: str
    source: str
    digest: str
    stamp: tuple
    summaries: dict = field(default_factory=dict)  # (settings, depth) -> ModuleSummary


class ProjectView:
    """Per-process memo of project roots, import resolution and module summaries."""

    def __init__(self) -> None:
        self._roots: dict[str, str | None] = {}
        self._resolved: dict[tuple, str | None] = {}
        self._files: dict[str, ModuleFile | None] = {}
        self._by_digest: dict[tuple, "ModuleSummary"] = {}
        self._in_progress: set[str] = set()
        self._live: list[ModuleSummary] = []

    # -- where things are ---------------------------------------------------
    def root_of(self, directory: str) -> str | None:
        """The nearest folder at or above ``directory`` holding a project marker."""
        visited = []
        current = directory
        root: str | None = None
        while True:
            if current in self._roots:
                root = self._roots[current]
                break
            visited.append(current)
            if any(os.path.exists(os.path.join(current, marker)) for marker in ROOT_MARKERS):
                root = current
                break
            parent = os.path.dirname(current)
            if parent == current:
                break
            current = parent
        for folder in visited:
            self._roots[folder] = root
        return root

    def resolve(self, importer: str, module: str | None, level: int, root: str | None) -> str | None:
        """The file a module name (``module`` with ``level`` leading dots) of ``importer`` lands on."""
        key = (os.path.dirname(importer) if level else None, module, level, root)
        if key in self._resolved:
            return self._resolved[key]
        parts = module.split(".") if module else []
        found = None
        if level:
            base = os.path.dirname(importer)
            for _ in range(level - 1):
                base = os.path.dirname(base)
            found = _module_file(base, parts)
        elif root is not None and parts:
            for base in (root, os.path.join(root, "src")):
                found = _module_file(base, parts)
                if found is not None:
                    break
        self._resolved[key] = found
        return found

    def exists(self, importer: str, module: str | None, level: int, root: str | None) -> bool:
        """Whether ``module`` names a module file or a package folder (namespace packages too)."""
        key = (os.path.dirname(importer) if level else None, module, level, root, "exists")
        if key not in self._resolved:
            found = self.resolve(importer, module, level, root) is not None
            if not found:
                parts = module.split(".") if module else []
                if level:
                    base = os.path.dirname(importer)
                    for _ in range(level - 1):
                        base = os.path.dirname(base)
                    found = os.path.isdir(os.path.join(base, *parts))
                elif root is not None and parts:
                    found = any(os.path.isdir(os.path.join(base, *parts)) for base in (root, os.path.join(root, "src")))
            self._resolved[key] = found
        return self._resolved[key]

    # -- what a module says -------------------------------------------------
    def read(self, path: str) -> ModuleFile | None:
        try:
            status = os.stat(path)
        except OSError:
            return None
        stamp = (status.st_size, status.st_mtime_ns)
        cached = self._files.get(path)
        if cached is not None and cached.stamp == stamp:
            return cached
        if status.st_size > MAX_MODULE_BYTES:
            return None
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            return None
        from ..api import decode_source

        module = ModuleFile(path, decode_source(data), hashlib.sha256(data).hexdigest(), stamp)
        self._files[path] = module
        return module

    def summary(self, path: str, settings, depth: int) -> "ModuleSummary | None":
        module = self.read(path)
        if module is None or depth > MAX_DEPTH or path in self._in_progress:
            return None
        key = (module.digest, settings)  # the depth only bounds how far a chain is followed
        found = self._by_digest.get(key)
        if found is None:
            found = self._by_digest[key] = ModuleSummary(module, settings, self, depth)
        return found

    def keep_alive(self, summary: "ModuleSummary") -> None:
        """Hold ``summary``'s analysis among the few kept (most recently used last); the
        least recently used one is let go."""
        if summary in self._live:
            self._live.remove(summary)
        self._live.append(summary)
        if len(self._live) > LIVE_ANALYSES:
            self._live.pop(0).forget_analysis()

    def clear(self) -> None:
        """Forget everything (tests; a long-lived server after a project change)."""
        self.__init__()


def _module_file(base: str, parts: list[str]) -> str | None:
    folder = os.path.join(base, *parts)
    if parts:
        candidate = folder + ".py"
        if os.path.isfile(candidate):
            return candidate
    candidate = os.path.join(folder, "__init__.py")
    if os.path.isfile(candidate):
        return candidate
    return None


#: the process-wide view every front end shares
VIEW = ProjectView()


class ModuleSummary:
    """The facts one module of the project offers its importers, computed on demand.

    Answers are kept as plain data; the module's tree and analysis are kept only while
    the view holds them among its few live analyses (many live trees would make every
    garbage collection of the host process slower), and rebuilt if asked again."""

    def __init__(self, module: ModuleFile, settings, view: ProjectView, depth: int):
        self.module = module
        self.settings = settings
        self.view = view
        self.depth = depth
        self._analysis = None
        self._failed = False
        self._answers: dict[tuple[str, str], object] = {}
        self._may_open: bool | None = None
        self._dependencies: dict[str, str] = {module.path: module.digest}
        self._defined: dict[str, bool] = {}
        self._package_imports: frozenset[str] | None = None
        self._yields: bool | None = None
        self._opener_names: tuple[str, ...] | None = None
        self._import_lines: tuple[str, ...] | None = None

    @property
    def analysis(self):
        """The engine's analysis of the module (None if it does not parse)."""
        if self._analysis is None and not self._failed:
            from .engine import ModuleAnalysis

            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    tree = ast.parse(self.module.source, filename=self.module.path)
            except (SyntaxError, ValueError, MemoryError, RecursionError):
                self._failed = True
                return None
            imports = ProjectImports(tree, self.module.path, self.settings, self.view, self.depth + 1)
            self._analysis = ModuleAnalysis(tree, self.module.source, self.settings, project=imports)
        if self._analysis is not None:
            self.view.keep_alive(self)
        return self._analysis

    def forget_analysis(self) -> None:
        if self._analysis is not None:
            self._analysis.detach()  # freed now by reference counting, not at the next full collection
        self._analysis = None

    def defines(self, name: str) -> bool:
        """Whether the module defines a function ``name`` (read from its text, then its tree)."""
        known = self._defined.get(name)
        if known is None:
            source = self.module.source
            # a def at column 0 is a top-level function: a literal search, no parse
            known = source.startswith(f"def {name}(") or any(
                f"{prefix}{name}(" in source for prefix in ("\ndef ", "\nasync def ")
            )
            self._defined[name] = known
        return known

    @property
    def may_open(self) -> bool:
        """Whether the module's text can hold a factory or a resource-holding generator: it
        mentions ``open`` (every opener does), a configured factory, or imports from its
        own package (a factory of a factory)."""
        if self._may_open is None:
            source = self.module.source
            self._may_open = "open" in source or "from ." in source or kinds.may_mention_opener(source) or any(
                name in source for name in kinds.factory_names(self.settings.resource_factories)
            )
        return self._may_open

    def dependencies(self) -> dict[str, str]:
        """This module's content hash and those of the modules its facts came from."""
        return dict(self._dependencies)

    def _ask(self, what: str, name: str, compute, default):
        """One fact, computed once: cycles and failures contribute nothing."""
        key = (what, name)
        if key in self._answers:
            return self._answers[key]
        path = self.module.path
        if path in self.view._in_progress:
            return default  # an import cycle: the module's facts are being computed already
        analysis = self.analysis
        if analysis is None:
            return default
        self.view._in_progress.add(path)
        try:
            answer = compute(analysis)
        except (Exception, RecursionError):  # a module that cannot be summarised contributes nothing
            answer = default
        finally:
            self.view._in_progress.discard(path)
        if analysis.project is not None:
            self._dependencies.update(analysis.project.dependencies())
        self._answers[key] = answer
        return answer

    def _block(self, name: str) -> str | None:
        """The text of the top-level ``def name``: up to the next line that starts at column 0."""
        source = self.module.source
        for prefix in ("\ndef ", "\nasync def "):
            start = source.find(f"{prefix}{name}(")
            if start != -1:
                break
        else:
            if not source.startswith(f"def {name}("):
                return None
            start = 0
        match = NEXT_TOP_LEVEL.search(source, start + 1)
        return source[start:match.start() if match else len(source)]

    def _code(self, name: str) -> str | None:
        """The text of the top-level ``def name`` without its comments and string literals
        (a docstring that says "opens" or shows ``open(path)`` calls nothing), or the whole
        text when it does not tokenize."""
        block = self._block(name)
        if block is None:
            return None
        lines = block.splitlines(keepends=True)
        try:
            for token in tokenize.generate_tokens(io.StringIO(block).readline):
                if token.type in SKIPPED_TOKENS:  # blanked in place: what stands next to what is kept
                    (first, start), (last, end) = token.start, token.end
                    for number in range(first - 1, last):
                        line = lines[number]
                        left = start if number == first - 1 else 0
                        right = end if number == last - 1 else len(line.rstrip("\r\n"))
                        lines[number] = line[:left] + " " * (right - left) + line[right:]
        except (tokenize.TokenError, SyntaxError, ValueError, IndexError):  # IndentationError: a SyntaxError
            return block
        return "".join(lines)

    def may_create(self, name: str, depth: int = 0) -> bool:
        """Whether the text of ``def name`` could return or yield a fresh resource: it returns or
        yields, and names an opener, a configured factory, or calls a function that may
        (of this module, or imported from the package). A literal test before any parse."""
        key = ("text", name)
        if key in self._answers:
            return self._answers[key]
        self._answers[key] = False  # recursion guard
        block = self._block(name)
        if block is not None and self._names_opener(block):
            # what the code names, the raw text names too: the docstring and comments are
            # taken out (a tokenize) only for a function whose raw text passes
            block = self._code(name)
        answer = False
        if block is not None and ("return" in block or "yield" in block):
            if self._names_opener(block):
                answer = True
            elif depth < MAX_DEPTH:
                imported = self.package_imports
                for called in set(CALLED_NAME.findall(block)) - {name}:
                    if called in imported or self.may_create(called, depth + 1):
                        answer = True  # a call to a function of this module or its package that may
                        break
        self._answers[key] = answer
        return answer

    def _names_opener(self, text: str) -> bool:
        """Whether ``text`` names ``open``, an opener of a module the module mentions, or a
        configured factory."""
        return "open" in text or any(opener in text for opener in self.opener_names) or any(
            name in text for name in kinds.factory_names(self.settings.resource_factories))

    @property
    def yields(self) -> bool:
        """Whether the module's text says ``yield`` anywhere (searched once)."""
        if self._yields is None:
            self._yields = "yield" in self.module.source
        return self._yields

    @property
    def opener_names(self) -> tuple[str, ...]:
        """The openers' short names a function of this module could call: those of the opener
        modules its text mentions (:func:`~.kinds.may_call_opener`, the modules searched once)."""
        if self._opener_names is None:
            source = self.module.source
            self._opener_names = tuple(
                sorted({name for module, names in kinds.SHORT_NAMES.items() if module in source for name in names}))
        return self._opener_names

    @property
    def package_imports(self) -> frozenset[str]:
        """Names this module imports from its own package (``from .io import load``), by text."""
        if self._package_imports is None:
            found: set[str] = set()
            for match in RELATIVE_IMPORT.finditer(self.module.source):
                for part in match.group(1).replace("(", " ").replace(")", " ").split(","):
                    words = part.split()
                    if words:
                        found.add(words[-1])  # the local name: `load` or `x as load`
            self._package_imports = frozenset(found)
        return self._package_imports

    @property
    def import_lines(self) -> tuple[str, ...]:
        """The module's import lines (:func:`~.imports.import_lines`), read once."""
        if self._import_lines is None:
            self._import_lines = tuple(import_lines(self.module.source))
        return self._import_lines

    def imports_name(self, name: str) -> bool:
        """Whether the module's text imports ``name`` from somewhere (``from .io import name``,
        ``from pkg.io import other as name``): a cheap test before its imports are resolved."""
        return name in self.package_imports or self.binds_by_import(name, forms=("from",))

    def binds_by_import(self, name: str, forms: tuple[str, ...] = ("import", "from")) -> bool:
        """Whether the module's text may bind ``name`` by an import of one of ``forms``:
        ``import cv2``, ``import numpy as np``, ``from PIL import Image`` (a test before a parse)."""
        word = re.compile(r"\b%s\b" % re.escape(name))
        return any(line.startswith(forms) and word.search(line) for line in self.import_lines)

    def library_name(self, name: str) -> str | None:
        """What a top-level name of this module means when another library bound it:
        ``cv2`` for ``import cv2``, ``numpy`` for ``import numpy as np``, ``PIL.Image`` for
        ``from PIL import Image`` (None for the module's own names and the project's)."""

        if not self.binds_by_import(name):
            return None  # the text binds no such name by an import: no need to parse the module

        def compute(analysis) -> str | None:
            own = analysis.project.imported if analysis.project is not None else {}
            if name in own or name in analysis.imports.module_defined:
                return None
            return analysis.imports.names.get(name)

        return self._ask("library", name, compute, None)

    def star_library_name(self, name: str) -> str | None:
        """:meth:`library_name` through this module's own ``from module import *`` of the project."""
        if self.depth >= MAX_DEPTH or not any(line.startswith("from") and STAR_IMPORT.search(line)
                                              for line in self.import_lines):
            return None

        def compute(analysis) -> str | None:
            return analysis.project.star_library_name(name) if analysis.project is not None else None

        return self._ask("star library", name, compute, None)

    def factory(self, name: str):
        if not self.may_open or not self.may_create(name) or not self.defines(name):
            return None
        return self._ask("factory", name, lambda analysis: self._learn_factory(analysis, name, set()), None)

    def _learn_factory(self, analysis, name: str, seen: set[str]):
        """Whether ``name`` is a factory, learning first the factories of this module it may
        call (a factory of a factory): only the functions concerned are analysed."""
        func = analysis.functions.get(name)
        if func is None or name in seen:
            return analysis.finder.function_factories.get(name)
        seen.add(name)
        analysis.summaries()
        self._learn_callees(analysis, name, seen)
        analysis._learn_factories([analysis.scope_of(func)])
        return analysis.finder.function_factories.get(name)

    def _learn_callees(self, analysis, name: str, seen: set[str]) -> None:
        if len(seen) > 4 * MAX_DEPTH:
            return
        for called in set(CALLED_NAME.findall(self._code(name) or "")) - {name}:
            if called in analysis.functions and self.may_create(called):
                self._learn_factory(analysis, called, seen)

    def _generator_of(self, analysis, name: str):
        func = analysis.functions.get(name)
        if func is None:
            return None
        analysis.summaries()
        self._learn_callees(analysis, name, {name})
        return analysis.generator_info(analysis.scope_of(func), learn_factories=False)

    def closer_params(self, name: str) -> frozenset[int]:
        if not self.defines(name):
            return frozenset()
        return self._ask("close", name, lambda a: a.summaries().closer_params(name, False), frozenset())

    def keeper_params(self, name: str) -> frozenset[int]:
        if not self.defines(name):
            return frozenset()
        return self._ask("keep", name, lambda a: a.summaries().keeper_params(name, False), frozenset())

    def generator(self, name: str):
        """The :class:`GeneratorInfo` of a generator function of the module, or None."""
        if not self.may_open or not self.yields or not self.may_create(name) or not self.defines(name):
            return None
        return self._ask("generator", name, lambda analysis: self._generator_of(analysis, name), None)


class ProjectImports:
    """The project modules one file imports, and the facts it asked of them.

    Keys are what the file calls: ``load`` (``from .io import load``) or ``io.load``
    (``from . import io``, ``import mypkg.io as io``). Nothing touches the disk until a
    key is asked for: the imports are only listed here."""

    def __init__(self, tree: ast.Module, filename: str, settings, view: ProjectView = VIEW, depth: int = 0):
        self.filename = os.path.abspath(filename)
        self.settings = settings
        self.view = view
        self.depth = depth
        #: local name -> (module, level, name imported from it or None for ``import a.b as c``)
        self.imported: dict[str, tuple[str | None, int, str | None]] = {}
        self._resolved: dict[str, tuple[str, str | None] | None] = {}
        self._used: dict[str, "ModuleSummary"] = {}
        self._looked_up: dict[str, tuple | None] = {}
        self._root: str | None | bool = False
        #: library names this file imports through a project module (see :meth:`learn_library_names`)
        self.library_names: dict[str, str] = {}
        #: library names a ``from module import *`` of the project brings (the file's own imports win)
        self.star_library_names: dict[str, str] = {}
        #: what the file calls of these imports (:func:`~.engine.calls_of`), once the engine has read it
        self.called: set[str] | None = None
        #: project modules imported with ``from module import *``: (module, level)
        self.star_modules: list[tuple[str | None, int]] = []
        for statement in getattr(tree, "body", []):
            if isinstance(statement, ast.ImportFrom):
                if not self._inside_project(statement.module, statement.level):
                    continue
                for alias in statement.names:
                    if alias.name != "*":
                        self.imported[alias.asname or alias.name] = (statement.module, statement.level, alias.name)
                    else:
                        self.star_modules.append((statement.module, statement.level))
            elif isinstance(statement, ast.Import):
                for alias in statement.names:
                    # import pkg.io as io, import pkg (``import pkg.io`` binds pkg: pkg.io.f() is not followed)
                    local = alias.asname or (alias.name if "." not in alias.name else None)
                    if local and self._inside_project(alias.name, 0):
                        self.imported[local] = (alias.name, 0, None)

    def _inside_project(self, module: str | None, level: int) -> bool:
        """Whether an import can land on a file of the project (its package or module exists
        there): ``from keras.src import ops`` in a project without a ``keras`` folder cannot."""
        if not level and self.root is None:
            return False
        return self.view.exists(self.filename, module, level, self.root)

    def __bool__(self) -> bool:
        return bool(self.imported or self.star_modules)

    @property
    def root(self) -> str | None:
        if self._root is False:
            self._root = self.view.root_of(os.path.dirname(self.filename))
        return self._root

    def _find(self, module: str | None, level: int) -> str | None:
        if not level and self.root is None:
            return None
        return self.view.resolve(self.filename, module, level, self.root)

    def _target(self, local: str) -> tuple[str, str | None] | None:
        """(module file, function name) for an imported function, (module file, None) for a module."""
        if local not in self._resolved:
            found = None
            entry = self.imported.get(local)
            if entry is not None:
                module, level, name = entry
                if name is None:
                    path = self._find(module, level)
                    found = (path, None) if path else None
                else:
                    submodule = self._find(f"{module}.{name}" if module else name, level)
                    if submodule is not None:
                        found = (submodule, None)  # from . import helpers
                    else:
                        path = self._find(module, level)
                        if path is not None and path != self.filename:
                            found = (path, name)
            self._resolved[local] = found
        return self._resolved[local]

    def _lookup(self, key: str) -> tuple["ModuleSummary", str] | None:
        if key not in self._looked_up:
            self._looked_up[key] = self._find_function(key)
        return self._looked_up[key]

    def _find_function(self, key: str) -> tuple["ModuleSummary", str] | None:
        alias, dot, attribute = key.partition(".")
        target = self._target(alias)
        if target is None:
            return None
        path, name = target
        if dot:
            if name is not None or "." in attribute:
                return None
            name = attribute
        elif name is None:
            return None
        summary = self.view.summary(path, self.settings, self.depth)
        if summary is None:
            return None
        self._used[path] = summary  # consulted: its content decides the answer, even "not defined here"
        if not summary.defines(name):
            return self._reexported(summary, name)
        return summary, name

    def _reexported(self, summary: "ModuleSummary", name: str) -> tuple["ModuleSummary", str] | None:
        """A name the module only imports from another module of the project, as a package's
        ``__init__.py`` does (``from .iters import members``): its facts are that module's."""
        if self.depth >= MAX_DEPTH or not summary.imports_name(name):
            return None
        analysis = summary.analysis
        if analysis is None or analysis.project is None:
            return None
        found = analysis.project._lookup(name)
        self._used.update(analysis.project._used)  # what the answer came from
        return found

    def learn_library_names(self, called: set[str]) -> dict[str, str]:
        """The libraries this file imports through a project module, as an opener is called
        on them: ``from utils.general import cv2, np`` where ``utils/general.py`` does
        ``import cv2`` and ``import numpy as np`` makes ``cv2`` mean ``cv2`` and ``np`` mean
        ``numpy`` here. Only names called the way an opener is (``cv2.VideoCapture(``,
        ``np.load(``, ``Image.open(``: ``called`` are the keys of :func:`~.engine.calls_of`)
        are looked up. Local name -> qualified name, also kept in :attr:`library_names` (and
        in :attr:`star_library_names` for the names a ``from module import *`` brings)."""
        for key in sorted(called):
            local, dot, attribute = key.partition(".")
            if local in self.library_names or local in self.star_library_names or \
                    (attribute.rsplit(".", 1)[-1] if dot else local) not in OPENER_SHORT_NAMES:
                continue
            if local not in self.imported:
                qualified = self.star_library_name(local)  # from utils import *, where utils imports it
                if qualified is not None:
                    self.star_library_names[local] = qualified
                continue
            target = self._target(local)
            if target is None or target[1] is None:
                continue
            path, name = target
            summary = self.view.summary(path, self.settings, self.depth)
            if summary is None:
                continue
            self._used[path] = summary  # its content decides what the name means here
            qualified = summary.library_name(name)
            if qualified is not None:
                self.library_names[local] = qualified
        return {**self.star_library_names, **self.library_names}

    def star_library_name(self, name: str) -> str | None:
        """What ``name`` means when one of the file's ``from module import *`` of the project
        brings it: a library that module imports (or brings by a star import of its own)."""
        for module, level in self.star_modules:
            path = self._find(module, level)
            if path is None or path == self.filename:
                continue
            summary = self.view.summary(path, self.settings, self.depth)
            if summary is None:
                continue
            self._used[path] = summary
            qualified = summary.library_name(name) or summary.star_library_name(name)
            if qualified is not None:
                return qualified
        return None

    def is_known(self, key: str) -> bool:
        return self._lookup(key) is not None

    def factory(self, key: str):
        found = self._lookup(key)
        return found[0].factory(found[1]) if found else None

    def closer_params(self, key: str) -> frozenset[int]:
        found = self._lookup(key)
        return found[0].closer_params(found[1]) if found else frozenset()

    def keeper_params(self, key: str) -> frozenset[int]:
        found = self._lookup(key)
        return found[0].keeper_params(found[1]) if found else frozenset()

    def generator(self, key: str):
        found = self._lookup(key)
        return found[0].generator(found[1]) if found else None

    def dependencies(self) -> dict[str, str]:
        """Content hashes (by path) of every project module whose facts this file used."""
        found: dict[str, str] = {}
        for summary in list(self._used.values()):
            found.update(summary.dependencies())
        return found


def project_imports(tree: ast.Module, filename: str | None, settings) -> ProjectImports | None:
    """The project view of one file, or None when it has no real file name."""
    if not filename or not os.path.isfile(filename):
        return None
    imports = ProjectImports(tree, filename, settings)
    return imports if imports else None
