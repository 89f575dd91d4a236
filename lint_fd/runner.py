"""Files in, results out: discovery, the cache and the worker processes of ``lint-fd``.

Nothing here prints. A file that cannot be read gets a :class:`FileResult`
with ``error`` set; a failure while analysing a file becomes one LFD999
diagnostic for that file; the run always goes on with the next file.
"""
from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from .diagnostics import INTERNAL_ERROR, Diagnostic, make
from .noqa import apply_noqa
from .settings import Settings, drop_per_file_ignored

SKIPPED_DIRS = frozenset({"__pycache__"})


@dataclass
class FileResult:
    """What one file produced: diagnostics, or ``error`` when it could not be read."""

    path: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    error: str | None = None
    cached: bool = False
    key: str | None = None  # the cache key of the checked bytes, when a cache is in use
    #: {path: sha256} of the project modules whose facts the result depends on
    dependencies: dict = field(default_factory=dict)


def default_jobs() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


# --- discovery -------------------------------------------------------------

def _excluded(name: str, path: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(path, p) for p in patterns)


def _walk(top: str, exclude: Sequence[str], found: list[str], errors: list[FileResult]) -> None:
    """``*.py`` files under ``top``, skipping hidden folders, ``__pycache__`` and excluded names."""
    pending = [top]
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as error:
            errors.append(FileResult(folder, error=_describe(error)))
            continue
        subfolders = []
        for entry in entries:
            path = os.path.join(folder, entry.name)
            if _excluded(entry.name, path, exclude):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    if not entry.name.startswith(".") and entry.name not in SKIPPED_DIRS:
                        subfolders.append(path)
                elif entry.name.endswith(".py") and entry.is_file():
                    found.append(path)
            except OSError:  # pragma: no cover - vanished while listing
                continue
        pending.extend(reversed(subfolders))


def discover(paths: Iterable[str], exclude: Sequence[str] = ()) -> tuple[list[str], list[FileResult]]:
    """The files to check, and errors for paths that do not exist or cannot be listed.

    A file named explicitly is checked whatever its name; ``exclude``
    (fnmatch patterns, matched against a name or a whole path) applies only
    to what is found inside folders.
    """
    found: list[str] = []
    errors: list[FileResult] = []
    for path in paths:
        if os.path.isdir(path):
            _walk(path, exclude, found, errors)
        elif os.path.exists(path):
            found.append(path)
        else:
            errors.append(FileResult(path, error="No such file or directory"))
    seen: set[str] = set()
    unique = []
    for path in found:
        key = os.path.normpath(path)
        if key not in seen:
            seen.add(key)
            unique.append(path)
    return unique, errors


# --- one file ----------------------------------------------------------------

def _describe(error: BaseException) -> str:
    return getattr(error, "strerror", None) or f"{type(error).__name__}: {error}"


def _internal_error(error: BaseException) -> list[Diagnostic]:
    return [make(INTERNAL_ERROR.code, 1, 0, error=f"{type(error).__name__}: {error}")]


def lint_file(path: str, settings: Settings, data: bytes | None = None, cache=None) -> FileResult:
    """Read (unless ``data`` is given) and check one file; never raises.

    With a ``cache``, the result carries the cache key of the bytes that were
    actually checked, so the caller stores it under the right key even if the
    file changed in the meantime.
    """
    if data is None:
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except (OSError, ValueError) as error:
            return FileResult(path, error=f"cannot read: {_describe(error)}")
    key = cache.key(data) if cache is not None else None
    try:
        from . import api  # imported on the first miss: a run served by the cache never loads the engine

        dependencies: dict = {}
        found = api.check_source(data, path, settings, dependencies=dependencies)
        if found:
            found = apply_noqa(found, api.decode_source(data))
        return FileResult(path, found, key=key, dependencies=dependencies)
    except (Exception, RecursionError, MemoryError) as error:  # check_source already catches the engine's
        return FileResult(path, _internal_error(error))


_worker_settings = Settings()
_worker_cache = None


def _init_worker(settings: Settings, cache) -> None:
    global _worker_settings, _worker_cache
    _worker_settings, _worker_cache = settings, cache
    from .collector import pace_for_batch

    pace_for_batch()  # a worker is a batch run of its own, however it was started


def _lint_task(path: str) -> FileResult:
    return lint_file(path, _worker_settings, cache=_worker_cache)


# --- many files ----------------------------------------------------------------

def _run_parallel(paths: list[str], settings: Settings, jobs: int, cache=None, done=None) -> list[FileResult]:
    """Check ``paths`` on ``jobs`` worker processes; a crashed worker costs only its files."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    results: list[FileResult] = []
    chunksize = max(1, min(32, len(paths) // (jobs * 4)))
    setup = {"initializer": _init_worker, "initargs": (settings, cache)}
    try:
        with ProcessPoolExecutor(jobs, **setup) as pool:
            for result in pool.map(_lint_task, paths, chunksize=chunksize):
                results.append(result)
                if done is not None:
                    done(result)
    except BrokenProcessPool:
        # A file killed its worker (a crash of the interpreter itself). Check
        # what is left one file per process, so only the culprit gets LFD999.
        for path in paths[len(results):]:
            try:
                with ProcessPoolExecutor(1, **setup) as pool:
                    results.append(pool.submit(_lint_task, path).result())
            except BrokenProcessPool as error:
                results.append(FileResult(path, [make(INTERNAL_ERROR.code, 1, 0,
                                                      error=f"the worker process crashed ({error})")]))
            if done is not None:
                done(results[-1])
    return results


def lint_paths(files: Sequence[str], settings: Settings, jobs: int = 1, cache=None,
               progress=None) -> list[FileResult]:
    """Check ``files`` (sorted by path in the result), reading and filling ``cache`` if given.

    Memory stays flat: a file's bytes are dropped once it is checked (with
    ``jobs > 1`` the workers read the files that missed the cache themselves).
    ``per_file_ignores`` is applied here, by path, after the cache (whose
    entries are keyed by content, not by path). ``progress``, if given, is
    called with no argument once per file done.
    """
    results: list[FileResult] = []
    pending: list[str] = []
    tick = progress or (lambda: None)

    def store(result: FileResult) -> None:
        if cache is not None and result.error is None and result.key is not None:
            cache.put(result.key, result.diagnostics, result.dependencies)
        results.append(result)
        tick()

    for path in files:
        if cache is None:
            pending.append(path)
            continue
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except (OSError, ValueError) as error:
            results.append(FileResult(path, error=f"cannot read: {_describe(error)}"))
            tick()
            continue
        found = cache.get(cache.key(data))
        if found is not None:
            results.append(FileResult(path, found, cached=True))
            tick()
        elif jobs > 1:
            pending.append(path)
        else:
            store(lint_file(path, settings, data, cache))

    if jobs > 1 and len(pending) > 1:
        _run_parallel(pending, settings, min(jobs, len(pending)), cache, done=store)
    else:
        for path in pending:
            store(lint_file(path, settings, cache=cache))
    if settings.per_file_ignores:
        for result in results:
            result.diagnostics = drop_per_file_ignored(result.diagnostics, result.path, settings)
    results.sort(key=lambda result: result.path)
    return results
