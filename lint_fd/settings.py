"""One settings object, filled from flake8, pylint or ``[tool.lint_fd]``.

:data:`OPTIONS` is the single definition of every setting a user can give:
its key, type, meaning and how each front end spells it. The configuration
reader (:mod:`lint_fd.config`), ``lint-fd --show-settings`` and the generated
configuration reference (``docs/configuration.md``) all read it.
:func:`per_file_ignored` is the one place where ``per-file-ignores`` globs are
matched against a file name, for every front end that knows the file.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from fnmatch import fnmatch
from typing import Iterable, TypeVar

#: a file lint_fd could not parse or failed on: reported whatever the selection
ALWAYS_REPORTED = frozenset({"LFD999", "E999"})


@dataclass(frozen=True)
class Settings:
    """What the analysis may be told.

    ``strict`` turns on the off-by-default rule LFD104. ``select`` / ``ignore``
    hold code prefixes, ``extend_select`` / ``extend_ignore`` add to them; an
    explicit selection of the exact code LFD104 also turns it on.
    ``resource_factories`` are extra dotted names (``mylib.io.open_image``) whose
    calls return a resource that must be closed (``name:method`` names its
    release method). ``release_functions`` close what they receive;
    ``keeper_functions`` take ownership of what they receive.
    ``per_file_ignores`` maps a glob to code prefixes not reported in files
    it matches (front ends that know the file name apply it through
    :func:`per_file_ignored`).
    """

    strict: bool = False
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    extend_ignore: tuple[str, ...] = ()
    resource_factories: tuple[str, ...] = ()
    release_functions: tuple[str, ...] = ()
    keeper_functions: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def enabled(self, code: str) -> bool:
        """Whether ``code`` is reported under these settings (file-independent part).

        ``select`` (default: everything) plus ``extend_select`` is what may be
        reported; ``ignore`` plus ``extend_ignore`` takes prefixes away, except
        a code selected by its exact name. Off-by-default rules need strict
        mode or their exact code in ``select`` / ``extend_select``.
        """
        from . import rules  # noqa: F401  (registers every rule, so that default states are known)
        from .diagnostics import RULES

        if code in ALWAYS_REPORTED:
            return True  # a file that was not checked must never look clean
        info = RULES.get(code)
        explicitly_selected = code in self.select or code in self.extend_select
        if _matches(code, (*self.ignore, *self.extend_ignore)) and not explicitly_selected:
            return False
        if self.select and not _matches(code, (*self.select, *self.extend_select)):
            return False
        if info is not None and not info.default_enabled:
            return self.strict or explicitly_selected
        return True


def _matches(code: str, prefixes: Iterable[str]) -> bool:
    return any(code.startswith(prefix) for prefix in prefixes)


# --- per-file-ignores ----------------------------------------------------------------

def normalize_glob(pattern: str, parent: str | os.PathLike = os.curdir) -> str:
    """A per-file-ignores glob as flake8 reads it.

    A pattern with a path separator is made absolute relative to ``parent``
    (the folder of the configuration file that names it, or the current folder
    for the command line); a bare pattern (``test_*.py``) is kept and matches
    file names in any folder.
    """
    if pattern == "." or os.sep in pattern or (os.altsep and os.altsep in pattern):
        pattern = os.path.abspath(os.path.join(parent, pattern))
    return pattern.rstrip(os.sep + (os.altsep or ""))


def per_file_ignored(settings: Settings, filename: str | os.PathLike) -> tuple[str, ...]:
    """The code prefixes ``per_file_ignores`` turns off for ``filename``.

    Matching is flake8's: the glob against the file's base name, then against
    its absolute path (``*`` crosses folders). Globs with a folder part should
    have gone through :func:`normalize_glob` when they were read.
    """
    if not settings.per_file_ignores:
        return ()
    path = os.fspath(filename)
    basename = os.path.basename(path)
    absolute = os.path.abspath(path)
    codes: list[str] = []
    for pattern, ignored in settings.per_file_ignores:
        if (basename not in (".", "..") and fnmatch(basename, pattern)) or fnmatch(absolute, pattern):
            codes.extend(ignored)
    return tuple(codes)


def settings_for_file(settings: Settings, filename: str | os.PathLike) -> Settings:
    """``settings`` with the codes ``per_file_ignores`` turns off for ``filename`` added to
    ``extend_ignore``: for the doors that analyse one named file afresh (``--fix``, the editor)."""
    ignored = per_file_ignored(settings, filename)
    if not ignored:
        return settings
    return replace(settings, extend_ignore=(*settings.extend_ignore, *ignored))


D = TypeVar("D")


def drop_per_file_ignored(diagnostics: Iterable[D], filename: str | os.PathLike, settings: Settings) -> list[D]:
    """``diagnostics`` (anything with a ``code``) less those ``per_file_ignores`` turns off for ``filename``.

    E999 and LFD999 stay: they say the file was not checked.
    """
    ignored = per_file_ignored(settings, filename)
    if not ignored:
        return list(diagnostics)
    return [d for d in diagnostics if d.code in ALWAYS_REPORTED or not _matches(d.code, ignored)]


# --- the definition of every setting ------------------------------------------------

@dataclass(frozen=True)
class Option:
    """One user-facing setting: the row of the configuration reference."""

    key: str  #: the key under ``[tool.lint_fd]``
    field: str  #: the :class:`Settings` attribute
    kind: str  #: ``bool``, ``codes``, ``names`` or ``globs``
    description: str
    example: str  #: a TOML line for ``[tool.lint_fd]``
    cli: str  #: the ``lint-fd`` flag
    flake8: str  #: how flake8 takes it
    pylint: str  #: how pylint takes it

    @property
    def default(self):
        return next(f.default for f in fields(Settings) if f.name == self.field)


TYPE_NAMES = {
    "bool": "boolean",
    "codes": "list of code prefixes",
    "names": "list of dotted names",
    "globs": "table: glob → list of code prefixes",
}

OPTIONS: tuple[Option, ...] = (
    Option("strict", "strict", "bool",
           "Turn on the off-by-default rule LFD104 (a resource used as an unbound temporary).",
           "strict = true", "--strict / --no-strict", "--lfd-strict", "--lfd-strict=y"),
    Option("select", "select", "codes",
           "Code prefixes to report (default: every rule that is on by default). "
           "Naming the exact code LFD104 also turns it on.",
           'select = ["LFD1", "LFD2"]', "--select", "--select", "--enable"),
    Option("ignore", "ignore", "codes",
           "Code prefixes not to report. An exact code in select or extend-select wins over a prefix here.",
           'ignore = ["LFD102"]', "--ignore", "--ignore", "--disable"),
    Option("extend-select", "extend_select", "codes",
           "Code prefixes to report in addition to select (LFD104 here turns it on).",
           'extend-select = ["LFD104"]', "--extend-select", "--extend-select", "--enable"),
    Option("extend-ignore", "extend_ignore", "codes",
           "Code prefixes not to report, in addition to ignore.",
           'extend-ignore = ["LFD302"]', "--extend-ignore", "--extend-ignore", "--disable"),
    Option("per-file-ignores", "per_file_ignores", "globs",
           "Code prefixes not to report in the files a glob matches. A glob without a folder part "
           "matches file names anywhere; one with a folder part is relative to the configuration "
           "file's folder (the current folder on the command line). `*` crosses folders, as in flake8.",
           'per-file-ignores = { "tests/*" = ["LFD101"], "conftest.py" = ["LFD1"] }',
           '--per-file-ignores "tests/*:LFD101 conftest.py:LFD1"', "--per-file-ignores",
           "--lfd-per-file-ignores"),
    Option("resource-factories", "resource_factories", "names",
           "Dotted names whose calls return a resource that must be closed, like `Image.open`; "
           "`name:method` names its release method (default `close`).",
           'resource-factories = ["mylib.io.open_image"]', "--resource-factories",
           "--lfd-resource-factories", "--lfd-resource-factories"),
    Option("release-functions", "release_functions", "names",
           "Dotted names of functions that close the resource they receive (`mylib.io.safe_close(img)`).",
           'release-functions = ["mylib.io.safe_close"]', "--release-functions",
           "--lfd-release-functions", "--lfd-release-functions"),
    Option("keeper-functions", "keeper_functions", "names",
           "Dotted names of functions that keep the resource they receive: ownership is handed over, "
           "so the caller need not close it (`pool.register(img)`).",
           'keeper-functions = ["mylib.cache.register"]', "--keeper-functions",
           "--lfd-keeper-functions", "--lfd-keeper-functions"),
)
