"""SARIF 2.1.0 for code scanning (``lint-fd --format sarif``).

One run, one tool component ``lint-fd`` carrying every rule (id, pylint
symbol as name, descriptions from the rule docstring, ``helpUri`` to the
rule's docs page, default level), and one result per finding with a
physical location (path relative to ``%SRCROOT%``, the current folder) and
a region whose ``startColumn`` counts UTF-16 code units, as SARIF's default
``columnKind`` says.

``partialFingerprints["lintFd/v1"]`` identifies a finding across runs
without its line number: a hash of the file's path, the code, the offending
line's text with whitespace normalised, and the occurrence index among the
findings in that file with the same code and line text. Lines added or
removed elsewhere in the file leave it unchanged.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Sequence
from urllib.parse import quote

from . import __version__
from .diagnostics import RULES, SYNTAX_ERROR_CODE
from .links import HOMEPAGE, rule_url
from .report import is_error
from .source import SourceCache

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "lintFd/v1"
SRCROOT = "%SRCROOT%"
SYNTAX_ERROR_TEXT = ("The file does not parse (SyntaxError or an undecodable file), so lint_fd could "
                     "not check it. Fix the syntax error; the file's other findings appear once it parses.")


def level(code: str) -> str:
    """``error`` for E82xx (the code raises), a file that was not checked (E999, LFD999); else ``warning``."""
    return "error" if is_error(code) else "warning"


def _section(code: str, heading: str) -> str:
    from .rules import RULE_CLASSES

    rule = RULE_CLASSES.get(code)
    if rule is None:
        return ""
    text = rule.documentation().split(f"## {heading}", 1)[-1].split("\n## ", 1)[0]
    return " ".join(text.split())


def _first_sentence(text: str) -> str:
    head, dot, _ = text.partition(". ")
    return head + "." if dot else text


def rule_descriptor(code: str) -> dict:
    """The ``reportingDescriptor`` of one code."""
    if code == SYNTAX_ERROR_CODE:
        name, full, enabled = "syntax-error", SYNTAX_ERROR_TEXT, True
    else:
        info = RULES[code]
        name, enabled = info.symbol, info.default_enabled
        full = _section(code, "What it flags") or info.template.split("(", 1)[0].strip() + "."
    return {
        "id": code,
        "name": name,
        "shortDescription": {"text": _first_sentence(full)},
        "fullDescription": {"text": full},
        "helpUri": rule_url(code),
        "help": {"text": f"{full} See {rule_url(code)}"},
        "defaultConfiguration": {"level": level(code), "enabled": enabled},
    }


def codes() -> list[str]:
    """Every code lint_fd can report, in the order of ``tool.driver.rules``."""
    from . import rules  # noqa: F401  (registers every rule)

    return sorted(RULES) + [SYNTAX_ERROR_CODE]


def artifact_location(path: str, root: Path) -> dict:
    """A path relative to ``%SRCROOT%`` when it is inside it, else an absolute ``file:`` URI."""
    absolute = Path(os.path.abspath(path))
    try:
        relative = absolute.relative_to(root)
    except ValueError:
        return {"uri": absolute.as_uri()}
    return {"uri": quote(relative.as_posix()), "uriBaseId": SRCROOT}


def utf16_column(line: str | None, byte_offset: int) -> int:
    """The 1-based UTF-16 column of a 0-based UTF-8 byte offset (``ast``'s ``col_offset``)."""
    if line is None:
        return byte_offset + 1
    prefix = line.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore")
    return len(prefix.encode("utf-16-le")) // 2 + 1


def fingerprint(path_uri: str, code: str, line_text: str, occurrence: int) -> str:
    normalised = " ".join(line_text.split())
    data = "\0".join((path_uri, code, normalised, str(occurrence)))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:32]


def sarif_log(results: Sequence, root: str | os.PathLike | None = None, sources: SourceCache | None = None) -> dict:
    """The SARIF log of a run (``results``: :class:`lint_fd.runner.FileResult`)."""
    root_path = Path(os.path.abspath(root or os.getcwd()))
    sources = sources or SourceCache()
    order = codes()
    index = {code: i for i, code in enumerate(order)}
    sarif_results = []
    notifications = []
    for result in results:
        location = artifact_location(result.path, root_path)
        if result.error is not None:
            notifications.append({
                "level": "error",
                "message": {"text": f"{result.path}: {result.error}"},
                "locations": [{"physicalLocation": {"artifactLocation": location}}],
            })
            continue
        seen: dict[tuple[str, str], int] = {}
        for d in result.diagnostics:
            line = sources.line(result.path, d.line)
            key = (d.code, " ".join((line or "").split()))
            occurrence = seen.get(key, 0)
            seen[key] = occurrence + 1
            entry = {
                "ruleId": d.code,
                "level": level(d.code),
                "message": {"text": d.message},
                "locations": [{"physicalLocation": {
                    "artifactLocation": location,
                    "region": {"startLine": d.line, "startColumn": utf16_column(line, d.col)},
                }}],
                "partialFingerprints": {FINGERPRINT_KEY: fingerprint(location["uri"], d.code, line or "", occurrence)},
            }
            if d.code in index:
                entry["ruleIndex"] = index[d.code]
            sarif_results.append(entry)
    invocation: dict = {"executionSuccessful": not notifications}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "lint-fd",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": HOMEPAGE,
                "rules": [rule_descriptor(code) for code in order],
            }},
            "originalUriBaseIds": {SRCROOT: {"uri": root_path.as_uri().rstrip("/") + "/"}},
            "invocations": [invocation],
            "columnKind": "utf16CodeUnits",
            "results": sarif_results,
        }],
    }
