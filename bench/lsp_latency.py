"""The language server's latency as an editor feels it: edit sent -> diagnostics received.

``python bench/lsp_latency.py`` starts ``lint-fd lsp`` over stdio (pygls'
own client, the way an editor talks to it), opens a real ~2,000-line module
(keras' ``saving_lib.py``: file handling the engine must follow; ``--file``
for another; the standard library's ``subprocess.py`` without keras), and applies ``--edits`` incremental changes one after the
other, alternately inserting and deleting a comment line at a different
place each time. For each change it measures the time from just before the
``didChange`` is written to the arrival of the ``publishDiagnostics`` for
that document version.

It runs the server twice: with the default debounce (what users get: the
server waits for typing to pause, so the latency includes that wait on
purpose) and with ``--debounce-ms 0`` (the processing latency: protocol,
document update, engine and reply). It also times, in this process on the
same text, the engine alone (``api.check_source``) and the server's whole
per-document analysis (engine, per-file ignores, ``# noqa``), back to back
and after pauses as long as the debounce, so the report can say what the
protocol adds and what a pause costs the engine itself. ``bench/bench.py`` includes it as
section (i); ``--update PATH`` rewrites only that section of a report.
"""
from __future__ import annotations

import argparse
import asyncio
import importlib.util
import statistics
import sys
import time
from pathlib import Path

SECTION = "## (i) Language server latency"
BUDGET_MS = 50.0  # processing latency (debounce excluded), median
DEFAULT_FILE = ("keras", "src/saving/saving_lib.py")


def default_file() -> Path:
    """keras' saving_lib.py, or without keras the standard library's subprocess.py (2,200 lines)."""
    spec = importlib.util.find_spec(DEFAULT_FILE[0])  # locates the package; imports nothing of it
    if spec is not None and spec.submodule_search_locations:
        path = Path(list(spec.submodule_search_locations)[0]) / DEFAULT_FILE[1]
        if path.is_file():
            return path
    import subprocess

    return Path(subprocess.__file__)


def _ms(seconds: list[float]) -> dict:
    values = sorted(s * 1000 for s in seconds)
    return {"median": statistics.median(values), "p90": values[int(0.9 * (len(values) - 1))],
            "min": values[0], "max": values[-1], "n": len(values)}


async def _session(path: Path, text: str, edits: int, debounce_ms: float | None) -> list[float]:
    from lsprotocol import types
    from pygls.lsp.client import LanguageClient

    client = LanguageClient("lint-fd-bench", "1")
    arrivals: dict[int, float] = {}
    waiting: dict[int, asyncio.Future] = {}

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def published(params: types.PublishDiagnosticsParams):
        arrivals[params.version] = time.perf_counter()
        future = waiting.pop(params.version, None)
        if future is not None and not future.done():
            future.set_result(params)

    @client.feature(types.WINDOW_LOG_MESSAGE)
    def logged(params):  # the server may log; nothing to do
        pass

    command = [sys.executable, "-m", "lint_fd.cli", "lsp"]
    if debounce_ms is not None:
        command += ["--debounce-ms", str(debounce_ms)]
    await client.start_io(*command)
    loop = asyncio.get_running_loop()

    async def until_published(version: int):
        if version not in arrivals:
            waiting[version] = loop.create_future()
            await asyncio.wait_for(waiting[version], 120)

    try:
        await client.initialize_async(types.InitializeParams(
            capabilities=types.ClientCapabilities(), root_uri=path.parent.as_uri()))
        client.initialized(types.InitializedParams())
        uri = path.as_uri()
        client.text_document_did_open(types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)))
        await until_published(1)
        line_count = text.count("\n")
        latencies = []
        inserted_at = None
        for version in range(2, edits + 2):
            if inserted_at is None:
                inserted_at = (version * 7919) % max(line_count - 1, 1)  # spread over the file
                change = types.TextDocumentContentChangePartial(
                    range=types.Range(types.Position(inserted_at, 0), types.Position(inserted_at, 0)),
                    text=f"# lint-fd bench edit {version}\n")
            else:
                change = types.TextDocumentContentChangePartial(
                    range=types.Range(types.Position(inserted_at, 0), types.Position(inserted_at + 1, 0)), text="")
                inserted_at = None
            sent = time.perf_counter()
            client.text_document_did_change(types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[change]))
            await until_published(version)
            latencies.append(arrivals[version] - sent)
        await client.shutdown_async(None)
        client.exit(None)
        return latencies
    finally:
        await client.stop()


def _in_process(path: Path, text: str, reps: int, pause: float) -> dict:
    """The engine and the server's analysis in this process, back to back; and the engine
    after a pause as long as the debounce (what the server's check meets after typing stops)."""
    from lint_fd.api import check_source
    from lint_fd.lsp.analysis import analyse
    from lint_fd.settings import Settings

    engine, whole, paused = [], [], []
    for _ in range(reps):
        started = time.perf_counter()
        check_source(text, str(path), Settings())
        engine.append(time.perf_counter() - started)
        started = time.perf_counter()
        found = analyse(text, str(path), Settings())
        whole.append(time.perf_counter() - started)
    for _ in range(reps):
        time.sleep(pause)
        started = time.perf_counter()
        check_source(text, str(path), Settings())
        paused.append(time.perf_counter() - started)
    return {"engine": _ms(engine), "analysis": _ms(whole), "engine_paused": _ms(paused), "findings": len(found)}


def measure(path: Path | None = None, edits: int = 40) -> dict:
    """Latencies with the default debounce and with none, a small-file control, and the
    in-process times, in ms."""
    from lint_fd.lsp.server import DEFAULT_DEBOUNCE

    path = Path(path or default_file())
    text = path.read_text(encoding="utf-8")
    with_debounce = asyncio.run(_session(path, text, edits, None))
    without = asyncio.run(_session(path, text, edits, 0))
    small = path.with_name("lint_fd_bench_small.py")  # never written: the server reads the buffer, not the disk
    control = asyncio.run(_session(small, "x = 1\n" * 50, edits, None))
    return {"file": path, "lines": text.count("\n"), "edits": edits, "debounce_ms": DEFAULT_DEBOUNCE * 1000,
            "debounced": _ms(with_debounce), "after_debounce": _ms([t - DEFAULT_DEBOUNCE for t in with_debounce]),
            "control": _ms([t - DEFAULT_DEBOUNCE for t in control]),
            "processing": _ms(without), **_in_process(path, text, edits, DEFAULT_DEBOUNCE)}


def display(path: Path) -> str:
    parts = path.parts
    return "/".join(parts[parts.index("site-packages") + 1:]) if "site-packages" in parts else str(path)


def render(result: dict) -> list[str]:
    d, p, e, a = result["debounced"], result["processing"], result["engine"], result["analysis"]
    after, control, debounce = result["after_debounce"], result["control"], result["debounce_ms"]
    worst = max(after["median"], p["median"])

    def row(name: str, m: dict) -> str:
        return f"| {name} | {m['median']:.1f} | {m['p90']:.1f} | {m['min']:.1f}-{m['max']:.1f} |"

    return [
        SECTION, "",
        f"`bench/lsp_latency.py`: `lint-fd lsp` over stdio, driven by pygls' client; "
        f"{display(result['file'])} ({result['lines']:,} lines) open, {result['edits']} incremental edits "
        "one after the other (insert or delete a comment line, each at another place). Latency is the time "
        "from writing the `didChange` to receiving the `publishDiagnostics` for that version. The server waits "
        f"for typing to pause ({debounce:.0f} ms debounce) before it checks the unsaved buffer, so the first row "
        "includes that wait on purpose and the second takes it out; the third runs the same server with "
        "`--debounce-ms 0` (edits processed back to back). The control is a 50-line file with the default "
        "debounce: what the timer, the protocol and the reply cost without the analysis.", "",
        "| measure | median ms | p90 ms | min-max ms |", "| --- | ---: | ---: | ---: |",
        row(f"edit -> diagnostics, default debounce ({debounce:.0f} ms)", d),
        row(f"... less the {debounce:.0f} ms debounce: processing after a pause", after),
        row("edit -> diagnostics, no debounce: processing back to back", p),
        row(f"control: 50-line file, default debounce, less {debounce:.0f} ms", control),
        row("engine alone, in process (`check_source`), back to back", e),
        row(f"engine alone, in process, each run after a {debounce:.0f} ms pause", result["engine_paused"]),
        row("server's analysis, in process (engine, per-file ignores, noqa)", a), "",
        f"Budget: diagnostics within {BUDGET_MS:.0f} ms of the change being processed (median, debounce "
        f"excluded; the worse of the two processing rows): {worst:.1f} ms, "
        f"{'**holds**' if worst <= BUDGET_MS else '**FAILS**'}. The control puts the timer, protocol and reply "
        f"at {control['median']:.1f} ms; the rest is the analysis, which costs more after a pause than back to "
        "back in this process too (most likely caches gone cold while the two cores ran other work), and varies "
        "from run to run with the other processes' load.", "",
    ]


def update(report: Path, section: list[str]) -> None:
    """Replace (or insert before the budgets) section (i) of an existing report."""
    lines = report.read_text(encoding="utf-8").split("\n")
    if SECTION in lines:
        start = lines.index(SECTION)
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    else:
        start = end = next((i for i, line in enumerate(lines) if line.startswith("## Budgets")), len(lines))
    lines[start:end] = section
    report.write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--file", type=Path, default=None, help="the document to edit (default: keras' saving_lib.py)")
    parser.add_argument("--edits", type=int, default=40, help="changes to time (default 40)")
    parser.add_argument("--update", type=Path, default=None, metavar="REPORT",
                        help="rewrite section (i) of this report (e.g. docs/performance.md)")
    args = parser.parse_args(argv)
    section = render(measure(args.file, args.edits))
    print("\n".join(section))
    if args.update:
        import datetime

        when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        section[2:2] = [f"*Measured on {when} by `python bench/lsp_latency.py --update`, apart from the run "
                        "that produced the other sections.*", ""]
        update(args.update, section)
        print(f"lsp_latency: updated {args.update}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
