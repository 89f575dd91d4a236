"""``lint-fd lsp`` end to end: a real LSP client (pytest-lsp) drives the server over stdio.

Every test starts ``python -m lint_fd.cli lsp`` in a temporary workspace and
talks to it the way an editor does, through tests/lsp_client.py (which waits
for notifications, never by sleeping). The expected codes and
positions are worked out by hand from the rule contract (``docs/rules``), not
copied from the server's output.
"""
from __future__ import annotations

import asyncio
import sys

import pytest
from lsp_client import SERVER, TIMEOUT, diagnostics, lsp_session, open_document, until
from lsprotocol import types
from lint_fd.fix import fix_source
from lint_fd.settings import Settings

LEAK = """\
from PIL import Image


def size(path):
    img = Image.open(path)
    return img.size
"""
# line 5 (LSP line 4): ``img = Image.open(path)``, the call at column 10: LFD101
LEAK_LINE, LEAK_COL = 4, 10

# the leak fixed by editing lines 5-6 in place (one incremental change)
FIX_RANGE = types.Range(types.Position(4, 4), types.Position(5, len("    return img.size")))
FIX_TEXT = "with Image.open(path) as img:\n        return img.size"

GENERATOR = """\
def lines(path):
    handle = open(path)
    for line in handle:
        yield line
"""
# line 2 (LSP 1), ``open`` at column 13: never closed (LFD101) and held across the yield (LFD301)

TEMPORARY = """\
from PIL import Image


def size(path):
    return Image.open(path).size
"""
# LFD104 at line 5 (LSP 4), column 11, only in strict mode


def codes(found) -> list[tuple[int, int, str]]:
    return sorted((d.range.start.line, d.range.start.character, d.code) for d in found)


def apply_edits(text: str, edits) -> str:
    """Apply TextEdits (positions in UTF-16 units; the texts here are ASCII) from last to first."""
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def offset(position: types.Position) -> int:
        return offsets[position.line] + position.character

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[:offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end):]
    return text


# --- the session --------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_whole_editing_session(tmp_path):
    async with lsp_session(tmp_path) as client:
        result = client.initialize_result.capabilities
        assert result.text_document_sync.change == types.TextDocumentSyncKind.Incremental
        assert result.text_document_sync.save
        # VS Code can watch files for us: the server asks to hear about pyproject.toml
        [watch] = await until(client, lambda: client.registrations, "client/registerCapability")
        assert watch.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
        assert [w["globPattern"] for w in watch.register_options["watchers"]] == ["**/pyproject.toml"]

        # didOpen: the leak is reported where it is, with everything an editor shows
        uri = open_document(client, tmp_path / "leak.py", LEAK)
        [found] = await diagnostics(client, uri, 1)
        assert (found.code, found.range.start.line, found.range.start.character) == ("LFD101", LEAK_LINE, LEAK_COL)
        assert found.range.end == types.Position(LEAK_LINE, LEAK_COL + len("Image.open"))
        assert found.source == "lint_fd" and found.severity == types.DiagnosticSeverity.Warning
        assert found.code_description.href.endswith("/rules/LFD101/")
        assert "not closed" in found.message

        # codeAction on that line: "Ignore LFD101 for this line", bound to this version
        actions = await asyncio.wait_for(client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(types.Position(LEAK_LINE, 0), types.Position(LEAK_LINE, 0)),
            context=types.CodeActionContext(diagnostics=[found]))), TIMEOUT)
        [ignore] = [a for a in actions if a.title == "Ignore LFD101 for this line"]
        assert ignore.kind == types.CodeActionKind.QuickFix
        assert [d.code for d in ignore.diagnostics] == ["LFD101"]
        [change] = ignore.edit.document_changes
        assert change.text_document.uri == uri and change.text_document.version == 1
        silenced = apply_edits(LEAK, change.edits)
        assert silenced.splitlines()[LEAK_LINE] == "    img = Image.open(path)  # noqa: LFD101"
        assert silenced.splitlines()[:LEAK_LINE] == LEAK.splitlines()[:LEAK_LINE]

        # didChange that fixes the leak: the unsaved buffer is checked, the diagnostic goes away
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangePartial(range=FIX_RANGE, text=FIX_TEXT)]))
        assert await diagnostics(client, uri, 2) == ()

        # ... and a change that brings it back reports it again (the fix was the reason, not silence)
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=3),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=LEAK)]))
        assert codes(await diagnostics(client, uri, 3)) == [(LEAK_LINE, LEAK_COL, "LFD101")]

        # the noqa action's text, once in the buffer, silences the line
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=4),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=silenced)]))
        assert await diagnostics(client, uri, 4) == ()

        # a document that does not parse: one E999, and the server goes on serving
        broken = open_document(client, tmp_path / "broken.py", "def broken(:\n    pass\n")
        [syntax] = await diagnostics(client, broken, 1)
        assert syntax.code == "E999" and syntax.range.start.line == 0
        assert syntax.severity == types.DiagnosticSeverity.Error
        other = open_document(client, tmp_path / "gen.py", GENERATOR)
        assert codes(await diagnostics(client, other, 1)) == [(1, 13, "LFD101"), (1, 13, "LFD301")]

        # didSave checks at once (the saved text is the buffer the server has)
        client.text_document_did_save(types.DidSaveTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=broken)))
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=broken, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=LEAK)]))
        client.text_document_did_save(types.DidSaveTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=broken)))
        assert codes(await diagnostics(client, broken, 2)) == [(LEAK_LINE, LEAK_COL, "LFD101")]

        # didClose clears the document's diagnostics
        client.text_document_did_close(types.DidCloseTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=other)))
        assert await diagnostics(client, other, None) == ()
        # shutdown and exit (status 0) are checked by lsp_session


# one finding each, on the line of the opening call; the second has a noqa for another
# code and a '#' inside a string on that line
SINGLE_LEAKS = [
    LEAK,
    LEAK.replace("Image.open(path)", 'Image.open(path + "#1")  # noqa: E501'),
    "def head(path):\n    handle = open(path)\n    first = handle.readline()\n    return first\n",
]


@pytest.mark.asyncio
async def test_every_offered_quick_fix_applies_cleanly_and_removes_its_finding(tmp_path):
    """Whatever actions are offered (the noqa action always; the fixer's rewrite where
    lint_fd.fix is installed and has a safe one), each one, applied to the buffer it was
    computed for, leaves text in which the server no longer reports that finding."""
    async with lsp_session(tmp_path) as client:
        for index, text in enumerate(SINGLE_LEAKS):
            uri = open_document(client, tmp_path / f"leak{index}.py", text)
            [found] = await diagnostics(client, uri, 1)
            actions = await asyncio.wait_for(client.text_document_code_action_async(types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri), range=found.range,
                context=types.CodeActionContext(diagnostics=[found]))), TIMEOUT)
            assert f"Ignore {found.code} for this line" in [a.title for a in actions]
            # the editor's rewrite is the very edit `lint-fd --fix` makes on this file
            [rewrite] = [a for a in actions if not a.title.startswith("Ignore ")]
            [rewrite_change] = rewrite.edit.document_changes
            expected = fix_source(text, Settings(), str(tmp_path / f"leak{index}.py")).source
            assert expected != text and apply_edits(text, rewrite_change.edits) == expected
            for version, action in enumerate(actions, start=2):
                assert action.kind == types.CodeActionKind.QuickFix
                [change] = action.edit.document_changes
                assert change.text_document.version == 1  # computed for the text the client has
                client.text_document_did_change(types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                    content_changes=[types.TextDocumentContentChangeWholeDocument(
                        text=apply_edits(text, change.edits))]))
                after = await diagnostics(client, uri, version)
                assert all(d.code != found.code for d in after), (action.title, after)


@pytest.mark.asyncio
async def test_quick_edits_are_checked_once_as_of_the_last_one(tmp_path):
    """Debounce: five edits sent back to back (well within the 4 s quiet time asked for
    here) are analysed once, as of the last; no intermediate version is published."""
    async with lsp_session(tmp_path, server=[*SERVER, "--debounce-ms", "4000"]) as client:
        uri = open_document(client, tmp_path / "leak.py", LEAK)
        await diagnostics(client, uri, 1)
        for version in range(2, 7):
            client.text_document_did_change(types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=LEAK + "#" * version + "\n")]))
        assert codes(await diagnostics(client, uri, 6)) == [(LEAK_LINE, LEAK_COL, "LFD101")]
        assert [p.version for p in client.published if p.uri == uri] == [1, 6]


# --- settings -----------------------------------------------------------------------


@pytest.mark.asyncio
async def test_pyproject_settings_apply_and_are_reread_when_the_file_changes(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.lint_fd]\nignore = ["LFD101"]\n')
    async with lsp_session(tmp_path) as client:
        uri = open_document(client, tmp_path / "gen.py", GENERATOR)
        assert codes(await diagnostics(client, uri, 1)) == [(1, 13, "LFD301")]

        # the editor reports the change (workspace/didChangeWatchedFiles): every open document is checked again
        pyproject.write_text('[tool.lint_fd]\nignore = ["LFD301"]\n')
        client.published.clear()
        client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
            types.FileEvent(uri=pyproject.as_uri(), type=types.FileChangeType.Changed)]))
        assert codes(await diagnostics(client, uri, 1)) == [(1, 13, "LFD101")]

        # an editor that does not report it: the next check sees the new file all the same
        pyproject.write_text("[tool.lint_fd]\nstrict = false\n# a different size, so the change is seen "
                             "even within the file system's timestamp granularity\n")
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=GENERATOR + "\n")]))
        assert codes(await diagnostics(client, uri, 2)) == [(1, 13, "LFD101"), (1, 13, "LFD301")]


@pytest.mark.asyncio
async def test_initialization_options_are_settings_and_win_over_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.lint_fd]\nignore = ["LFD301"]\n')
    async with lsp_session(tmp_path, init_options={"strict": True, "ignore": ["LFD101"]}) as client:
        temporary = open_document(client, tmp_path / "temp.py", TEMPORARY)
        assert codes(await diagnostics(client, temporary, 1)) == [(4, 11, "LFD104")]  # strict: LFD104 on
        generator = open_document(client, tmp_path / "gen.py", GENERATOR)
        assert codes(await diagnostics(client, generator, 1)) == [(1, 13, "LFD301")]  # the editor's ignore wins


@pytest.mark.asyncio
async def test_unusable_configuration_is_reported_and_the_documents_still_checked(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.lint_fd]\nignore = 3\n")
    async with lsp_session(tmp_path, init_options={"no-such-key": True}) as client:
        uri = open_document(client, tmp_path / "leak.py", LEAK)
        assert codes(await diagnostics(client, uri, 1)) == [(LEAK_LINE, LEAK_COL, "LFD101")]  # the defaults
        await until(client, lambda: len(client.messages) >= 2, "two warnings")
        text = "\n".join(m.message for m in client.messages)
        assert "no-such-key" in text and "pyproject.toml" in text and "ignore" in text


# --- never dies ---------------------------------------------------------------------

# The server, with the engine made to fail on files named boom.py (a stand-in for a lint_fd bug).
FAILING_SERVER = [sys.executable, "-c", """
import sys
import lint_fd.lsp.analysis as analysis
real = analysis.check_source
def check_source(source, filename, settings):
    if filename.endswith("boom.py"):
        raise RuntimeError("injected failure")
    return real(source, filename, settings)
analysis.check_source = check_source
from lint_fd.lsp import main
sys.exit(main([]))
"""]


@pytest.mark.asyncio
async def test_a_failure_on_one_document_is_lfd999_for_that_document_only(tmp_path):
    async with lsp_session(tmp_path, server=FAILING_SERVER) as client:
        boom = open_document(client, tmp_path / "boom.py", LEAK)
        [failure] = await diagnostics(client, boom, 1)
        assert failure.code == "LFD999" and "injected failure" in failure.message
        assert failure.range.start.line == 0
        fine = open_document(client, tmp_path / "fine.py", LEAK)
        assert codes(await diagnostics(client, fine, 1)) == [(LEAK_LINE, LEAK_COL, "LFD101")]
