"""pylint front-end: one small checker per message family over one engine run.

pylint wants the messages of one checker to share the id's middle digits, so
each family (81, 82, 83, 89) gets its own checker. The engine runs once per
module on the module's source (``ast``, no astroid inference); every checker
reports its family's share. pylint applies enable/disable and pragmas itself.
"""
from __future__ import annotations

from pylint.checkers import BaseChecker
from pylint.constants import WarningScope

from .api import check_source, decode_source
from .diagnostics import INTERNAL_ERROR, RULES, SYNTAX_ERROR_CODE, make
from .rules import RULE_CLASSES
from .settings import Settings

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

    def diagnostics(self, linter, node) -> list:
        if node is not self._module:
            self._module, self._found = node, self._run(linter, node)
        return self._found

    @staticmethod
    def _run(linter, node) -> list:
        try:
            with node.stream() as stream:
                source = decode_source(stream.read())
            factories = tuple(getattr(linter.config, "lfd_resource_factories", ()) or ())
            # Always let the engine produce LFD104: pylint drops resource-temporary
            # itself unless it is enabled (--lfd-strict, --enable or a pragma).
            settings = Settings(strict=True, resource_factories=factories)
            # node.file is the module's real path: the engine's project view starts from it
            found = check_source(source, node.file or node.name, settings)
            return [d for d in found if d.code != SYNTAX_ERROR_CODE]
        except Exception as error:  # never crash pylint
            return [make(INTERNAL_ERROR.code, 1, 0, error=f"{type(error).__name__}: {error}")]


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
    )

    def open(self) -> None:
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
