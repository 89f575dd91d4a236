"""``lint-fd --fix`` / ``--diff`` / ``--fix-only`` / ``--unsafe-fixes``: the CLI's fix mode.

``--fix`` rewrites the files, prints the findings that remain (in the chosen
format) and, on stderr, how many were fixed and how many remain; exit 1 when
some remain. ``--diff`` prints a unified diff of what ``--fix`` would change,
writes nothing, and exits 1 when there is a diff (each file's diff is preceded
by a ``# lint-fd:`` line naming the fixes, unsafe ones marked). ``--fix-only``
fixes without reporting what remains (exit 0 unless a file could not be read or
lint_fd failed). Every file is analysed afresh: the cache holds diagnostics,
not the facts a fix is built from.
"""
from __future__ import annotations

import argparse
import difflib
import os
import io
import sys
import tokenize
from collections import Counter

from ..diagnostics import INTERNAL_ERROR
from ..noqa import apply_noqa
from ..settings import settings_for_file
from .kinds import UNSAFE, fix_kind

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("fixes")
    group.add_argument("--fix", action="store_true", help="rewrite the files with every safe fix; report what remains")
    group.add_argument("--diff", action="store_true",
                       help="print a unified diff of the fixes instead of writing them (exit 1 if there is a diff)")
    group.add_argument("--fix-only", action="store_true",
                       help="like --fix, but do not report the remaining findings (exit 0 unless an error)")
    group.add_argument("--unsafe-fixes", action="store_true",
                       help="also apply the fixes that change behaviour (LFD202: bound the loop with islice)")


def wanted(args: argparse.Namespace) -> bool:
    """Whether the command line asks for the fix mode."""
    return bool(args.fix or args.diff or args.fix_only)


def run(args: argparse.Namespace, settings, files: list[str], errors: list, out=None, err=None) -> int:
    """Fix ``files``; ``errors`` are the runner's results for paths that could not be listed."""
    from ..cli import publish
    from ..report import write_read_errors
    from ..runner import FileResult
    from .driver import fix_source

    out = out or sys.stdout
    err = err or sys.stderr
    results = list(errors)
    fixed_total = changed_files = 0
    for path in files:
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except (OSError, ValueError) as error:
            results.append(FileResult(path, error=f"cannot read: {getattr(error, 'strerror', None) or error}"))
            continue
        encoding, text = _decode(data)
        try:
            outcome = fix_source(text, settings_for_file(settings, path), path, unsafe=args.unsafe_fixes)
        except (Exception, RecursionError) as error:  # a bug in lint_fd: this file only
            from ..diagnostics import make

            failure = make(INTERNAL_ERROR.code, 1, 0, error=f"{type(error).__name__}: {error}")
            results.append(FileResult(path, [failure]))
            continue
        results.append(FileResult(path, apply_noqa(outcome.remaining, outcome.source)))
        if outcome.source == text:
            continue
        changed_files += 1
        fixed_total += len(outcome.fixed)
        if args.diff:
            out.write(_diff(path, text, outcome))
        else:
            try:
                with open(path, "w", encoding=encoding, errors="surrogateescape", newline="") as handle:
                    handle.write(outcome.source)
            except (OSError, ValueError, UnicodeEncodeError) as error:
                results.append(FileResult(path, error=f"cannot write: {error}"))
    results.sort(key=lambda result: result.path)
    failed = any(r.error is not None or any(d.code == INTERNAL_ERROR.code for d in r.diagnostics) for r in results)
    remaining = sum(len(r.diagnostics) for r in results)
    if args.diff:
        for result in results:
            if result.error is not None:
                print(f"lint-fd: {result.path}: {result.error}", file=err)
        print(f"lint-fd: {fixed_total} finding(s) fixable in {changed_files} file(s)", file=err)
        return EXIT_ERROR if failed else (EXIT_FINDINGS if changed_files else EXIT_CLEAN)
    if args.fix_only:
        write_read_errors(results, err)
        print(f"lint-fd: fixed {fixed_total} finding(s) in {changed_files} file(s)", file=err)
        return EXIT_ERROR if failed else EXIT_CLEAN
    if not publish(args, results):
        return EXIT_ERROR
    write_read_errors(results, err)
    print(f"lint-fd: fixed {fixed_total} finding(s) in {changed_files} file(s), {remaining} remaining", file=err)
    if failed:
        return EXIT_ERROR
    return EXIT_FINDINGS if remaining else EXIT_CLEAN


def _decode(data: bytes) -> tuple[str, str]:
    """The file's encoding (its BOM and coding cookie) and its text, line endings kept."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return encoding, data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        return "utf-8", data.decode("utf-8", errors="surrogateescape")


def _diff(path: str, before: str, outcome) -> str:
    counts = Counter(d.code for d in outcome.fixed)
    fixes = ", ".join(
        f"{code} x{count}" + (" (unsafe)" if fix_kind(code) == UNSAFE else "") for code, count in sorted(counts.items())
    )
    path = os.path.normpath(path)
    lines = difflib.unified_diff(before.splitlines(keepends=True), outcome.source.splitlines(keepends=True),
                                 "a/" + path.lstrip("/"), "b/" + path.lstrip("/"))
    text = "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)
    return f"# lint-fd: {path}: {fixes}\n{text}"
