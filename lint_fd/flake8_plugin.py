"""flake8 front-end: hands flake8's parsed tree to the engine, nothing more.

LFD104 is off by default: the engine produces it only under ``--lfd-strict``
or when the user names ``LFD104`` in ``--select`` / ``--extend-select``.
flake8 itself applies ``--select``/``--ignore`` and ``# noqa`` afterwards.
"""
from __future__ import annotations

import ast
from typing import Iterator

from . import __version__
from .api import check_tree
from .diagnostics import INTERNAL_ERROR, make
from .settings import Settings

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

    @classmethod
    def parse_options(cls, options) -> None:
        chosen = [*(getattr(options, "select", None) or ()), *(getattr(options, "extend_select", None) or ())]
        strict = bool(getattr(options, "lfd_strict", False)) or OPTIONAL_CODE in chosen
        factories = getattr(options, "lfd_resource_factories", None) or ()
        if isinstance(factories, str):
            factories = factories.split(",")
        factories = tuple(f.strip() for f in factories if f.strip())
        cls.settings = Settings(strict=strict, resource_factories=factories)

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        try:
            found = check_tree(self.tree, "".join(self.lines), self.settings, filename=self.filename)
        except Exception as error:  # check_tree never raises; belt and braces for the host
            found = [make(INTERNAL_ERROR.code, 1, 0, error=f"{type(error).__name__}: {error}")]
        for diagnostic in found:
            yield diagnostic.line, diagnostic.col, diagnostic.format(), type(self)
