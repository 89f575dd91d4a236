"""A language client for the tests: pytest-lsp's, driving ``lint-fd lsp`` over stdio.

Shared by tests/test_lsp.py (the server's behaviour) and
tests/test_settings_doors.py (the server as one more door). Nothing waits by
sleeping: each step waits (up to ``TIMEOUT``, generous for a loaded CI
machine) for the notification it expects, e.g. the ``publishDiagnostics`` of
the exact document version, since the server publishes the version it analysed.
"""
from __future__ import annotations

import asyncio
import contextlib
import sys
from pathlib import Path

from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

TIMEOUT = 90.0  # seconds; a step normally takes milliseconds, start-up about a second
SERVER = [sys.executable, "-m", "lint_fd.cli", "lsp"]


def _client() -> LanguageClient:
    """pytest-lsp's client, keeping every publishDiagnostics with its version, in order."""
    client = LanguageClient(converter_factory=default_converter)
    client.published = []
    client.registrations = []
    client.arrived = asyncio.Event()

    def publish(ls: LanguageClient, params: types.PublishDiagnosticsParams):
        ls.published.append(params)
        ls.diagnostics[params.uri] = params.diagnostics
        ls.arrived.set()

    def register(ls: LanguageClient, params: types.RegistrationParams):
        ls.registrations.extend(params.registrations)
        ls.arrived.set()

    def show(ls: LanguageClient, params: types.ShowMessageParams):
        ls.messages.append(params)
        ls.arrived.set()

    register_lsp_features(client, {**DEFAULT_CLIENT_FEATURES,
                                   types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: publish,
                                   types.CLIENT_REGISTER_CAPABILITY: register,
                                   types.WINDOW_SHOW_MESSAGE: show})
    return client


@contextlib.asynccontextmanager
async def lsp_session(root: Path, init_options=None, server=SERVER):
    """A started and initialised server (VS Code's capabilities) rooted at ``root``; shut down after."""
    client = _client()
    await client.start_io(*server, cwd=str(root))
    try:
        client.initialize_result = await asyncio.wait_for(client.initialize_session(types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
            initialization_options=init_options)), TIMEOUT)
        yield client
        await asyncio.wait_for(client.shutdown_session(), TIMEOUT)
        assert client._server.returncode == 0  # exit after shutdown: status 0
    finally:
        if client._server.returncode is None:  # the test failed half-way: do not wait for an exit never sent
            client._server.kill()
        await client.stop()


async def until(client: LanguageClient, found, what: str):
    """Wait for ``found()`` to return something truthy, re-checking on each notification."""
    async def wait():
        while not (result := found()):
            client.arrived.clear()
            await client.arrived.wait()
        return result

    try:
        return await asyncio.wait_for(wait(), TIMEOUT)
    except asyncio.TimeoutError:  # the builtin TimeoutError only from Python 3.11
        raise AssertionError(f"timed out waiting for {what}; published so far: {client.published}") from None


async def diagnostics(client: LanguageClient, uri: str, version: int | None):
    """The diagnostics the server published for ``version`` of ``uri`` (None: the clearing on close)."""
    def found():
        for params in reversed(client.published):
            if params.uri == uri and params.version == version:
                return [params.diagnostics]
        return None

    return (await until(client, found, f"diagnostics of {uri} version {version}"))[0]


def open_document(client: LanguageClient, path: Path, text: str, version: int = 1) -> str:
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="python", version=version, text=text)))
    return uri
