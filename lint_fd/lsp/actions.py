"""Quick fixes for the findings under the cursor.

For every finding: "Ignore LFDxxx for this line" (adds or extends a
flake8-style ``# noqa: LFDxxx``). Where the fixer has a safe rewrite for the
finding: that rewrite, as the preferred fix. An action is offered only when
its result has been computed and still parses; its edit names the document
version it was computed for, so a client whose buffer has moved on rejects it
rather than applying it to the wrong text.
"""
from __future__ import annotations

import logging
from typing import Sequence

from lsprotocol import types

from ..api import parse
from ..diagnostics import INTERNAL_ERROR, SYNTAX_ERROR_CODE, Diagnostic
from ..noqa import apply_noqa, noqa_edit, split_lines
from ..settings import Settings
from .convert import minimal_edit, to_lsp, units

log = logging.getLogger(__name__)
NOT_SUPPRESSIBLE = frozenset({SYNTAX_ERROR_CODE, INTERNAL_ERROR.code})


def rewrite_fix(source: str, diagnostic: Diagnostic, settings: Settings, filename: str | None) -> str | None:
    """The fixer's safe rewrite for ``diagnostic``: the whole new text, or None.

    The one place the server calls the fixer (``lint_fd.fix.fix_for_diagnostic``,
    the function ``lint-fd --fix`` uses). Without the fixer, when it has no
    safe fix, when it fails, or when its result does not parse: None, so no
    action is offered.
    """
    try:
        from ..fix import fix_for_diagnostic
    except Exception:  # the fixer is optional (not installed, or its own dependency missing)
        return None
    try:
        new = fix_for_diagnostic(source, diagnostic, settings, filename=filename)
    except Exception:  # a fixer bug costs this action only
        log.exception("the fixer failed on %s %s:%s", diagnostic.code, filename, diagnostic.line)
        return None
    if not isinstance(new, str) or new == source or not _parses(new):
        return None
    return new


def _silences_cleanly(new: str, finding: Diagnostic) -> bool:
    """The text with the noqa added still parses, and the noqa does silence the finding."""
    return _parses(new) and not apply_noqa([finding], new)


def _parses(source: str) -> bool:
    try:
        parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    return True


def code_actions(uri: str, version: int | None, source: str, findings: Sequence[Diagnostic],
                 first_line: int, last_line: int, settings: Settings, path: str | None,
                 encoding: str, versioned: bool = True,
                 cache: dict[Diagnostic, list[types.CodeAction]] | None = None) -> list[types.CodeAction]:
    """Quick fixes for the findings on lines ``first_line..last_line`` (0-based, inclusive).

    ``cache`` (kept per document version by the server) holds each finding's
    actions once computed: editors ask again at every cursor move, and the
    rewrite and the checks behind each action cost a parse or more of the file.
    """
    cache = {} if cache is None else cache
    actions: list[types.CodeAction] = []
    lines: list[str] | None = None
    for finding in findings:
        if not first_line <= finding.line - 1 <= last_line or finding.code in NOT_SUPPRESSIBLE:
            continue
        if finding not in cache:
            lines = split_lines(source) if lines is None else lines
            cache[finding] = _actions_for(uri, version, source, lines, finding, settings, path, encoding, versioned)
        actions.extend(cache[finding])
    return actions


def _actions_for(uri: str, version: int | None, source: str, lines: Sequence[str], finding: Diagnostic,
                 settings: Settings, path: str | None, encoding: str, versioned: bool) -> list[types.CodeAction]:
    """The rewrite (when the fixer has a clean one) and the noqa action for one finding."""
    actions: list[types.CodeAction] = []
    shown = to_lsp(finding, lines, encoding)
    fixed = rewrite_fix(source, finding, settings, path)
    edit = minimal_edit(source, fixed, encoding) if fixed is not None else None
    if edit is not None:
        actions.append(types.CodeAction(
            title=f"Fix {finding.code} (lint_fd rewrite)",
            kind=types.CodeActionKind.QuickFix, diagnostics=[shown], is_preferred=True,
            edit=_workspace_edit(uri, version, [edit], versioned)))
    noqa = noqa_edit(source, finding.line, finding.code)
    if noqa is not None and _silences_cleanly(noqa.apply(source), finding):
        line_text = lines[noqa.line - 1]
        edit = types.TextEdit(
            range=types.Range(types.Position(noqa.line - 1, units(line_text[:noqa.start], encoding)),
                              types.Position(noqa.line - 1, units(line_text[:noqa.end], encoding))),
            new_text=noqa.text)
        actions.append(types.CodeAction(
            title=f"Ignore {finding.code} for this line", kind=types.CodeActionKind.QuickFix,
            diagnostics=[shown], edit=_workspace_edit(uri, version, [edit], versioned)))
    return actions


def _workspace_edit(uri: str, version: int | None, edits: list[types.TextEdit], versioned: bool) -> types.WorkspaceEdit:
    if versioned:
        return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(
            text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version),
            edits=edits)])
    return types.WorkspaceEdit(changes={uri: edits})
