"""flake8 front-end: hands flake8's parsed tree to the engine, nothing more.

LFD104 is off by default: the engine produces it only under ``--lfd-strict``
or when the user names ``LFD104`` in ``--select`` / ``--extend-select``.
flake8 itself applies ``--select``/``--ignore``/``--extend-*``,
``--per-file-ignores`` (the same matching as :func:`lint_fd.settings.per_file_ignored`)
and ``# noqa`` afterwards. The ``--lfd-*`` options fill the rest of the
settings; a wrong value stops flake8 with one line naming the option.
"""
from __future__ import annotations

import ast
import sys
from typing import Iterator

from . import __version__
from .api import check_tree
from .config import ConfigError, dotted_names
from .diagnostics import INTERNAL_ERROR, make
from .settings import Settings

#: flake8 option -> Settings field, for the lists of dotted names
NAME_OPTIONS = {
    "lfd_resource_factories": "resource_factories",
    "lfd_release_functions": "release_functions",
    "lfd_keeper_functions": "keeper_functions",
}

OPTIONAL_CODE = "LFD104"


class LintFdPlugin:
    """flake8 tree plugin; flake8 fills the constructor arguments by name."""

    name = "lint-fd"
    version = __version__
    settings = Settings()

    def __init__(self, tree: ast.AST, lines: list[str], filename: str) -> None:
        self.tree = tree
        self.lines = lines
        self.filename = filename

    @classmethod
    def add_options(cls, option_manager) -> None:
        option_manager.add_option(
            "--lfd-strict", action="store_true", default=False, parse_from_config=True,
            help="lint-fd strict mode: also report LFD104 (resource used as an unbound temporary)",
        )
        option_manager.add_option(
            "--lfd-resource-factories", default="", parse_from_config=True, comma_separated_list=True,
            help="lint-fd: extra dotted names whose calls return a resource to close (comma separated)",
        )
        option_manager.add_option(
            "--lfd-release-functions", default="", parse_from_config=True, comma_separated_list=True,
            help="lint-fd: dotted names of functions that close the resource they receive (comma separated)",
        )
        option_manager.add_option(
            "--lfd-keeper-functions", default="", parse_from_config=True, comma_separated_list=True,
            help="lint-fd: dotted names of functions that take ownership of what they receive (comma separated)",
        )

    @classmethod
    def parse_options(cls, options) -> None:
        cls.settings = settings_from_options(options)

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        try:
            found = check_tree(self.tree, "".join(self.lines), self.settings, filename=self.filename)
        except Exception as error:  # check_tree never raises; belt and braces for the host
            found = [make(INTERNAL_ERROR.code, 1, 0, error=f"{type(error).__name__}: {error}")]
        for diagnostic in found:
            yield diagnostic.line, diagnostic.col, diagnostic.format(), type(self)


def _config_file(argv: list[str]) -> str | None:
    """The configuration file flake8 read, if any.

    flake8 parses ``--config`` and ``--isolated`` before the plugins load and
    keeps them out of the options plugins see, so they are read from the
    command line here; otherwise flake8's own search finds the file.
    """
    if "--isolated" in argv:
        return None
    for index, arg in enumerate(argv):
        if arg.startswith("--config="):
            return arg.split("=", 1)[1]
        if arg == "--config" and index + 1 < len(argv):
            return argv[index + 1]
    try:  # flake8's own search; private, so a change of it only skips the check below
        from flake8.options.config import _find_config_file

        return _find_config_file(".")
    except Exception:
        return None


def unknown_lfd_keys(options) -> list[tuple[str, str]]:
    """``(file, key)`` for ``lfd-*`` keys in ``[flake8]`` that lint_fd does not define (flake8 ignores them)."""
    import configparser

    path = _config_file(list(sys.argv[1:]))
    if not path:
        return []
    parser = configparser.RawConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (OSError, UnicodeDecodeError, configparser.Error):
        return []
    known = {"lfd-strict", *(option.replace("_", "-") for option in NAME_OPTIONS)}
    keys = parser["flake8"].keys() if parser.has_section("flake8") else ()
    return [(path, key) for key in keys
            if key.replace("_", "-").startswith("lfd-") and key.replace("_", "-") not in known]


def settings_from_options(options) -> Settings:
    """lint_fd's Settings from flake8's parsed options; a bad value or key exits with one line on stderr."""
    for path, key in unknown_lfd_keys(options)[:1]:
        known = ", ".join(["lfd-strict", *(option.replace("_", "-") for option in NAME_OPTIONS)])
        print(f"flake8: error: {path}: [flake8]: unknown key {key!r} (lint_fd's keys: {known})", file=sys.stderr)
        raise SystemExit(2)
    chosen = [*(getattr(options, "select", None) or ()), *(getattr(options, "extend_select", None) or ())]
    strict = bool(getattr(options, "lfd_strict", False)) or OPTIONAL_CODE in chosen
    config = getattr(options, "config", None) or "[flake8] in .flake8, setup.cfg or tox.ini"
    changes = {}
    for option, field in NAME_OPTIONS.items():
        value = getattr(options, option, None) or ()
        key = option.replace("_", "-")
        try:
            changes[field] = dotted_names(list(value) if not isinstance(value, str) else value,
                                          f"{key} (--{key} or {config})")
        except ConfigError as error:
            print(f"flake8: error: {error}", file=sys.stderr)
            raise SystemExit(2) from None
    return Settings(strict=strict, **changes)
