"""A content-hash cache of per-file results for the ``lint-fd`` command.

The key of a file is the sha256 of its bytes together with a salt made of
everything else the result depends on: the lint_fd version, a fingerprint
of lint_fd's own source files (so a development checkout never serves stale
results), the Python version (what parses differs between interpreters)
and the settings' ``repr``. The path is not part of the key: a copied or
renamed file hits.

Each entry is a small JSON file, ``<dir>/v1/<key[:2]>/<key[2:]>.json``.
Writes go to a temporary file in the same folder followed by
``os.replace``, so concurrent runs and parallel workers never see a half
written entry. The cache never breaks a run: unreadable, corrupt or
foreign entries are misses, and a failed write is skipped (after the first
failure, writing is given up for the run).
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

from . import __version__
from .diagnostics import INTERNAL_ERROR, Diagnostic
from .settings import Settings

DEFAULT_DIR = ".lint_fd_cache"
FORMAT = "v1"


def code_fingerprint() -> str:
    """sha256 over lint_fd's own ``.py`` files, so any change of the analysis invalidates the cache."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        try:
            digest.update(str(path.relative_to(package)).encode())
            digest.update(path.read_bytes())
        except OSError:
            continue
    return digest.hexdigest()


class Cache:
    """Results of earlier runs, keyed by file content and everything else that matters."""

    def __init__(self, directory: str | os.PathLike, settings: Settings):
        self.root = Path(directory)
        self.entries = self.root / FORMAT
        salt = "\0".join((__version__, code_fingerprint(), sys.version, repr(settings)))
        self._salt = hashlib.sha256(salt.encode()).digest()
        self._writable = True
        self._prepared = False
        self.hits = 0
        self.misses = 0

    def key(self, data: bytes) -> str:
        """The entry name for a file whose bytes are ``data``."""
        return hashlib.sha256(self._salt + data).hexdigest()

    def _path(self, key: str) -> Path:
        return self.entries / key[:2] / f"{key[2:]}.json"

    def get(self, key: str) -> list[Diagnostic] | None:
        """The cached diagnostics, or None on a miss (including any unusable entry, and an
        entry whose result used a project module that has changed since)."""
        try:
            with open(self._path(key), "rb") as handle:
                rows = json.load(handle)
            if isinstance(rows, dict):  # {"rows": [...], "deps": {path: sha256}}
                if not _dependencies_unchanged(rows["deps"]):
                    raise ValueError("a project module it depends on changed")
                rows = rows["rows"]
            found = [Diagnostic(int(line), int(col), str(code), str(message)) for line, col, code, message in rows]
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            self.misses += 1
            return None
        self.hits += 1
        return found

    def put(self, key: str, diagnostics: list[Diagnostic], dependencies: dict | None = None) -> None:
        """Store a result; internal failures are not stored (they may be transient).

        ``dependencies`` ({path: sha256} of the project modules the result used) are
        checked again by :meth:`get`."""
        if not self._writable or any(d.code == INTERNAL_ERROR.code for d in diagnostics):
            return
        target = self._path(key)
        rows = [[d.line, d.col, d.code, d.message] for d in diagnostics]
        if dependencies:
            rows = {"rows": rows, "deps": dict(dependencies)}
        try:
            self._prepare()
            target.parent.mkdir(exist_ok=True)
            descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".json")
            try:
                with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                    json.dump(rows, handle, separators=(",", ":"))
                os.replace(temporary, target)
            except BaseException:
                _remove_quietly(temporary)
                raise
        except OSError:
            self._writable = False

    def _prepare(self) -> None:
        """Create the cache folder, marked so that git and backup tools leave it alone."""
        if self._prepared:
            return
        self.entries.mkdir(parents=True, exist_ok=True)
        for name, text in ((".gitignore", "# created by lint-fd\n*\n"),
                           ("CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55\n# lint-fd cache\n")):
            marker = self.root / name
            if not marker.exists():
                marker.write_text(text, encoding="utf-8")
        self._prepared = True


def _dependencies_unchanged(dependencies: dict) -> bool:
    for path, digest in dependencies.items():
        try:
            with open(path, "rb") as handle:
                if hashlib.sha256(handle.read()).hexdigest() != digest:
                    return False
        except OSError:
            return False
    return True


def _remove_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
