"""The pygls server: LSP notifications in, the engine's findings out as diagnostics.

* ``didOpen`` and ``didSave`` check at once; ``didChange`` checks the unsaved
  buffer once the edits pause for ``debounce`` seconds (a newer change
  cancels the pending check). ``didClose`` clears the document's diagnostics.
* The engine (and the quick fixes' rewrite) runs on one worker thread, so
  the server keeps reading the editor's messages while a large file is
  analysed; a result for a version the editor has already replaced is
  dropped, never published.
* Settings: :mod:`.settings`; diagnostics: :mod:`.analysis` and
  :mod:`.convert`; quick fixes: :mod:`.actions`.
* Never dies: every per-document failure becomes one LFD999 diagnostic on
  that document, logged on stderr; the others are still served.
"""
from __future__ import annotations

import asyncio
import functools
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.workspace import TextDocument

from .. import __version__
from ..diagnostics import INTERNAL_ERROR, Diagnostic, make
from ..settings import Settings
from .actions import code_actions
from .analysis import analyse
from .convert import to_lsp_all
from .settings import SettingsResolver

log = logging.getLogger(__name__)

DEFAULT_DEBOUNCE = 0.1  # seconds of quiet after an edit before the buffer is checked
PYPROJECT_WATCH = "lint-fd-pyproject-watch"


@dataclass(frozen=True)
class Checked:
    """The findings of one version of a document, kept for its code actions."""

    version: int | None
    source: str
    findings: list[Diagnostic]
    settings: Settings
    path: str | None
    actions: dict = field(default_factory=dict, compare=False)  # finding -> its code actions, once computed


class LintFdServer(LanguageServer):
    """lint_fd over LSP; the handlers below are registered by :func:`create_server`."""

    def __init__(self, debounce: float = DEFAULT_DEBOUNCE):
        super().__init__("lint-fd", __version__)
        self.debounce = debounce
        self.resolver = SettingsResolver()
        self.checked: dict[str, Checked] = {}
        self._pending: dict[str, asyncio.Task] = {}
        self._engine = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lint-fd-engine")

    # --- scheduling ------------------------------------------------------------

    def schedule(self, uri: str, delay: float = 0.0) -> None:
        """Check ``uri`` after ``delay`` seconds, replacing any check still pending for it."""
        self.cancel(uri)
        self._pending[uri] = asyncio.get_running_loop().create_task(self._check_later(uri, delay))

    def cancel(self, uri: str) -> None:
        task = self._pending.pop(uri, None)
        if task is not None:
            task.cancel()

    async def _check_later(self, uri: str, delay: float) -> None:
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            await self.check(uri)
        finally:
            if self._pending.get(uri) is asyncio.current_task():
                del self._pending[uri]

    # --- checking ----------------------------------------------------------------

    async def analyse(self, document: TextDocument) -> Checked:
        """Findings of the document's current text (on the engine thread); never raises."""
        started = time.perf_counter()
        version, source = document.version, document.source
        path = document.path if document.uri.startswith("file:") else None
        settings = Settings()
        try:
            resolved = self.resolver.resolve(self._folder(path))
            settings = resolved.settings
            findings = await asyncio.get_running_loop().run_in_executor(
                self._engine, _timed_analyse, source, path, settings)
            log.debug("%s v%s analysed in %.1f ms", document.uri, version, 1000 * (time.perf_counter() - started))
        except asyncio.CancelledError:
            raise
        except Exception as error:  # the server must keep serving every other document
            log.exception("lint_fd failed on %s", document.uri)
            findings = [make(INTERNAL_ERROR.code, 1, 0, error=f"{type(error).__name__}: {error}")]
        return Checked(version, source, findings, settings, path)

    async def check(self, uri: str) -> None:
        """Analyse the open document ``uri`` and publish its diagnostics (if it is still that version)."""
        document = self.workspace.text_documents.get(uri)
        if document is None:
            return
        checked = await self.analyse(document)
        current = self.workspace.text_documents.get(uri)
        if current is None or current.version != checked.version or current.source != checked.source:
            return  # closed, edited or reopened meanwhile: the current text has its own check
        self.checked[uri] = checked
        try:
            shown = to_lsp_all(checked.findings, checked.source, self.workspace.position_encoding)
        except Exception as error:  # a conversion bug must not leave stale diagnostics behind
            log.exception("lint_fd could not convert the findings of %s", uri)
            failure = make(INTERNAL_ERROR.code, 1, 0, error=f"{type(error).__name__}: {error}")
            shown = to_lsp_all([failure], "", self.workspace.position_encoding)
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, version=checked.version, diagnostics=shown))

    async def fresh(self, uri: str) -> Checked | None:
        """The findings of the current version of ``uri`` (reusing the last check when current)."""
        document = self.workspace.text_documents.get(uri)
        if document is None:
            return None
        checked = self.checked.get(uri)
        if checked is not None and checked.version == document.version and checked.source == document.source:
            return checked
        return await self.analyse(document)

    def close(self, uri: str) -> None:
        self.cancel(uri)
        self.checked.pop(uri, None)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def recheck_all(self) -> None:
        """Settings may have changed: check every open document again."""
        for uri in list(self.workspace.text_documents):
            self.schedule(uri)

    def report_config(self, message: str) -> None:
        """A configuration that cannot be used: tell the user once, and keep checking."""
        log.warning("%s", message)
        self.window_show_message(types.ShowMessageParams(type=types.MessageType.Warning, message=message))

    def _folder(self, path: str | None) -> str:
        if path:
            return os.path.dirname(os.path.abspath(path))
        root = self.workspace.root_path
        return root if root and Path(root).is_dir() else os.getcwd()

    def stop_engine(self) -> None:
        for uri in list(self._pending):
            self.cancel(uri)
        self._engine.shutdown(wait=False, cancel_futures=True)


def _timed_analyse(source: str, path: str | None, settings: Settings) -> list[Diagnostic]:
    started = time.perf_counter()
    try:
        return analyse(source, path, settings)
    finally:
        log.debug("engine thread: %d lines in %.1f ms", source.count("\n"), 1000 * (time.perf_counter() - started))


def _versioned_edits(ls: LintFdServer) -> bool:
    workspace = ls.client_capabilities.workspace
    edit = workspace.workspace_edit if workspace else None
    return bool(edit and edit.document_changes)


def _wants_quickfix(only: list[str] | None) -> bool:
    quickfix = types.CodeActionKind.QuickFix.value
    return not only or any(kind in ("", quickfix) or quickfix.startswith(f"{kind}.") for kind in only)


def create_server(debounce: float = DEFAULT_DEBOUNCE) -> LintFdServer:
    """A server with every handler registered (not yet started)."""
    server = LintFdServer(debounce)

    @server.feature(types.INITIALIZE)
    def initialize(ls: LintFdServer, params: types.InitializeParams) -> None:
        ls.resolver = SettingsResolver(params.initialization_options, report=ls.report_config,
                                       root=ls._folder(None))

    @server.feature(types.INITIALIZED)
    def initialized(ls: LintFdServer, params: types.InitializedParams) -> None:
        workspace = ls.client_capabilities.workspace
        watched = workspace.did_change_watched_files if workspace else None
        if watched and watched.dynamic_registration:
            ls.client_register_capability(types.RegistrationParams(registrations=[types.Registration(
                id=PYPROJECT_WATCH, method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=types.DidChangeWatchedFilesRegistrationOptions(
                    watchers=[types.FileSystemWatcher(glob_pattern="**/pyproject.toml")]))]))

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: LintFdServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: LintFdServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, ls.debounce)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: LintFdServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: LintFdServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.close(params.text_document.uri)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched_files_changed(ls: LintFdServer, params: types.DidChangeWatchedFilesParams) -> None:
        if any(change.uri.endswith("pyproject.toml") for change in params.changes):
            ls.resolver.forget()
            ls.recheck_all()

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
    async def code_action(ls: LintFdServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        if not _wants_quickfix(params.context.only):
            return None
        uri = params.text_document.uri
        checked = await ls.fresh(uri)
        if checked is None:
            return None
        try:  # on the engine thread: the rewrite can take a while on a large file
            return await asyncio.get_running_loop().run_in_executor(ls._engine, functools.partial(
                code_actions, uri, checked.version, checked.source, checked.findings,
                params.range.start.line, params.range.end.line, checked.settings, checked.path,
                ls.workspace.position_encoding, _versioned_edits(ls), cache=checked.actions))
        except Exception:  # no quick fix is better than a failed request
            log.exception("lint_fd could not build code actions for %s", uri)
            return []

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: LintFdServer, *args) -> None:
        ls.stop_engine()

    return server
