"""pylint front-end: one small checker per message family over one engine run.

pylint wants the messages of one checker to share the id's middle digits, so
each family (81, 82, 83, 89) gets its own checker. The engine runs once per
module on the module's source (``ast``, no astroid inference); every checker
reports its family's share. pylint applies enable/disable and pragmas itself;
``lfd-per-file-ignores`` (which pylint lacks) is applied here by file name.
A wrong ``lfd-*`` value stops pylint with one line naming the option, as
pylint does for its own configuration errors (exit status 32).
"""
from __future__ import annotations

import sys

from pylint.checkers import BaseChecker
from pylint.constants import WarningScope

from .api import check_source, decode_source
from .config import ConfigError, dotted_names, parse_per_file_ignores
from .diagnostics import INTERNAL_ERROR, RULES, SYNTAX_ERROR_CODE, make
from .rules import RULE_CLASSES
from .settings import Settings, drop_per_file_ignored

OPTIONAL_SYMBOL = "resource-temporary"


def _description(code: str) -> str:
    rule = RULE_CLASSES.get(code)
    text = rule.documentation() if rule else "lint_fd itself failed on this module; please report the bug."
    body = text.split("## What it flags", 1)[-1].split("\n## ", 1)[0].strip()
    return f"{code}: {' '.join(body.split())} See docs/rules/{code}.md."


class _Engine:
    """Runs lint_fd once per module and remembers the result for the other checkers."""

    def __init__(self) -> None:
        self._module = None
        self._found: list = []
        self.settings = Settings(strict=True)

    def configure(self, linter) -> None:
        """Read the ``lfd-*`` options once per run (exits with one line on a wrong value)."""
        self.settings = settings_from_config(linter.config)

    def diagnostics(self, linter, node) -> list:
        if node is not self._module:
            self._module, self._found = node, self._run(node)
        return self._found

    def _run(self, node) -> list:
        try:
            with node.stream() as stream:
                source = decode_source(stream.read())
            # node.file is the module's real path: the engine's project view starts from it
            filename = node.file or node.name
            found = [d for d in check_source(source, filename, self.settings) if d.code != SYNTAX_ERROR_CODE]
            return drop_per_file_ignored(found, filename, self.settings)
        except Exception as error:  # never crash pylint
            return [make(INTERNAL_ERROR.code, 1, 0, error=f"{type(error).__name__}: {error}")]


#: pylint option -> Settings field, for the lists of dotted names
NAME_OPTIONS = {
    "lfd_resource_factories": "resource_factories",
    "lfd_release_functions": "release_functions",
    "lfd_keeper_functions": "keeper_functions",
}


def settings_from_config(config) -> Settings:
    """lint_fd's Settings from pylint's options; a wrong value exits as pylint does (status 32).

    Strict is always on: the engine produces LFD104 and pylint drops
    resource-temporary itself unless it is enabled (--lfd-strict, --enable or a pragma).
    Globs with a folder part in ``lfd-per-file-ignores`` are relative to the current folder.
    """
    changes = {}
    try:
        for option, field in NAME_OPTIONS.items():
            key = option.replace("_", "-")
            changes[field] = dotted_names(list(getattr(config, option, ()) or ()),
                                          f"{key} (--{key} or the pylint configuration)")
        text = getattr(config, "lfd_per_file_ignores", "") or ""
        changes["per_file_ignores"] = parse_per_file_ignores(
            text, "lfd-per-file-ignores (--lfd-per-file-ignores or the pylint configuration)")
    except ConfigError as error:
        print(f"pylint: error: {error}", file=sys.stderr)
        sys.exit(32)
    return Settings(strict=True, **changes)


class _FamilyChecker(BaseChecker):
    family = ""

    def __init__(self, linter, engine: _Engine) -> None:
        super().__init__(linter)
        self._engine = engine

    def visit_module(self, node) -> None:
        for d in self._engine.diagnostics(self.linter, node):
            info = RULES.get(d.code)
            if info is not None and info.pylint_id[1:3] == self.family:
                self.add_message(info.symbol, line=d.line, col_offset=d.col, args=(d.message,))


def _msgs(family: str) -> dict:
    """pylint's message table for one family, built from the shared registry."""
    msgs = {}
    for info in RULES.values():
        if info.pylint_id[1:3] == family:
            # line-scoped: reported at the engine's line/column, not at an astroid node
            extra = {"scope": WarningScope.LINE, "default_enabled": info.default_enabled}
            msgs[info.pylint_id] = ("%s", info.symbol, _description(info.code), extra)
    return msgs


class ResourcesChecker(_FamilyChecker):
    name, family, msgs = "lint-fd-resources", "81", _msgs("81")
    options = (
        ("lfd-strict", {"default": False, "type": "yn", "metavar": "<y or n>",
                        "help": "lint-fd strict mode: also report resource-temporary (W8104, LFD104)"}),
        ("lfd-resource-factories", {"default": (), "type": "csv", "metavar": "<dotted names>",
                                    "help": "lint-fd: extra dotted names whose calls return a resource to close"}),
        ("lfd-release-functions", {"default": (), "type": "csv", "metavar": "<dotted names>",
                                   "help": "lint-fd: dotted names of functions that close the resource they receive"}),
        ("lfd-keeper-functions", {"default": (), "type": "csv", "metavar": "<dotted names>",
                                  "help": "lint-fd: dotted names of functions that take ownership of what they "
                                          "receive"}),
        ("lfd-per-file-ignores", {"default": "", "type": "string", "metavar": "<glob:codes ...>",
                                  "help": "lint-fd: codes (LFD101, LFD1) not to report in matching files, "
                                          "flake8 syntax: 'tests/*:LFD101 setup.py:LFD1'"}),
    )

    def open(self) -> None:
        self._engine.configure(self.linter)
        if self.linter.config.lfd_strict:
            self.linter.enable(OPTIONAL_SYMBOL)


class KerasChecker(_FamilyChecker):
    name, family, msgs = "lint-fd-keras", "82", _msgs("82")


class GeneratorsChecker(_FamilyChecker):
    name, family, msgs = "lint-fd-generators", "83", _msgs("83")


class InternalChecker(_FamilyChecker):
    name, family, msgs = "lint-fd-internal", "89", _msgs("89")


CHECKERS = (ResourcesChecker, KerasChecker, GeneratorsChecker, InternalChecker)


def register(linter) -> None:
    """Register one checker per family, all sharing one engine run per module."""
    engine = _Engine()
    for checker in CHECKERS:
        linter.register_checker(checker(linter, engine))
