"""The ``lint-fd`` command: check files and folders, print findings like flake8.

``lint-fd [options] [PATH ...]`` prints ``path:line:col: CODE message``
(1-based column, as flake8 prints it), sorted by path, line and column;
``--format json`` prints a list of ``{path, line, col, code, message}``
(the same 1-based column) and ``--format github`` workflow annotations.
Exit status: 0 nothing found, 1 findings (E999 included), 2 a usage or
configuration error, a file that could not be read, or an internal
failure of lint_fd (LFD999) on some file. ``lint-fd confirm ...`` runs the
runtime confirmations (:mod:`lint_fd.confirm`).

Settings come from ``[tool.lint_fd]`` in the nearest pyproject.toml that
has the table, upward from the current folder; command-line options win.
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from typing import Sequence

from . import __version__
from .config import ConfigError, load_pyproject, load_settings, settings_from_pyproject, split_list
from .diagnostics import INTERNAL_ERROR
from .settings import Settings

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lint-fd",
        description="Find file-descriptor and resource-lifetime bugs in ML data-loading code.",
        epilog="`lint-fd confirm ...` runs the runtime confirmation of the rules. "
        "Exit status: 0 clean, 1 findings, 2 usage/read error or internal failure (LFD999).",
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files and folders to check (default: .)")
    parser.add_argument("--select", type=_codes, help="comma list of code prefixes to report (e.g. LFD1,LFD301)")
    parser.add_argument("--ignore", type=_codes, help="comma list of code prefixes not to report")
    parser.add_argument("--strict", action=argparse.BooleanOptionalAction, default=None,
                        help="turn on the off-by-default rule LFD104 (temporaries)")
    parser.add_argument("--resource-factories", type=split_list, metavar="NAMES",
                        help="comma list of dotted names whose calls return a resource (mylib.io.open_image)")
    parser.add_argument("--exclude", type=split_list, default=(), metavar="PATTERNS",
                        help="comma list of fnmatch patterns of names/paths to skip inside folders")
    parser.add_argument("-j", "--jobs", type=int, default=0,
                        help="worker processes (default 0: one per core; 1 runs in this process)")
    parser.add_argument("--format", choices=("text", "json", "github"), default="text", help="output format")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the result cache")
    parser.add_argument("--cache-dir", default=None, metavar="DIR", help="cache folder (default: .lint_fd_cache)")
    parser.add_argument("--config", metavar="FILE", help="read [tool.lint_fd] from this file instead of searching")
    parser.add_argument("--isolated", action="store_true", help="ignore configuration files")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="print a summary (files, cache hits, time) on stderr")
    parser.add_argument("--list-rules", action="store_true", help="list the rules and exit")
    from .fix import command as fix_command

    fix_command.add_arguments(parser)
    parser.add_argument("--version", action="version",
                        version=f"lint-fd {__version__} (Python {sys.version.split()[0]})")
    return parser


def _codes(value: str) -> tuple[str, ...]:
    return tuple(code.upper() for code in split_list(value))


def resolve_settings(args: argparse.Namespace) -> Settings:
    """Configuration file first, then the command line over it (raises ConfigError)."""
    if args.isolated:
        settings = Settings()
    elif args.config:
        settings = settings_from_pyproject(load_pyproject(args.config), source=args.config)
    else:
        settings, _ = load_settings()
    changes = {}
    for name in ("select", "ignore", "strict", "resource_factories"):
        value = getattr(args, name)
        if value is not None:
            changes[name] = value
    return replace(settings, **changes)


def list_rules(out) -> None:
    """The rule table: code, pylint id and symbol, on or off by default."""
    from . import api  # noqa: F401  (importing the api registers every rule)
    from .diagnostics import RULES as registry

    rows = [("code", "pylint", "symbol", "default")]
    for code in sorted(registry):
        info = registry[code]
        rows.append((code, info.pylint_id, info.symbol, "on" if info.default_enabled else "off (--strict)"))
    rows.append(("E999", "-", "syntax-error", "on (file does not parse)"))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[3], file=out)


# --- output ---------------------------------------------------------------------

def _github_escape(text: str, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def report(results, fmt: str, out, err) -> None:
    """Print findings on ``out`` and unreadable files on ``err`` (and as annotations for GitHub)."""
    rows = [(r.path, d) for r in results for d in r.diagnostics]
    if fmt == "json":
        import json

        json.dump([{"path": path, "line": d.line, "col": d.col + 1, "code": d.code, "message": d.message}
                   for path, d in rows], out, indent=1)
        out.write("\n")
    else:
        for path, d in rows:
            if fmt == "github":
                level = "error" if d.code in ("E999", INTERNAL_ERROR.code) else "warning"
                print(f"::{level} file={_github_escape(path, True)},line={d.line},col={d.col + 1}"
                      f"::{_github_escape(d.format())}", file=out)
            else:
                print(f"{path}:{d.line}:{d.col + 1}: {d.format()}", file=out)
    for result in results:
        if result.error is not None:
            print(f"lint-fd: {result.path}: {result.error}", file=err)
            if fmt == "github":
                print(f"::error file={_github_escape(result.path, True)}::{_github_escape(result.error)}", file=out)


def exit_status(results) -> int:
    if any(r.error is not None or any(d.code == INTERNAL_ERROR.code for d in r.diagnostics) for r in results):
        return EXIT_ERROR
    return EXIT_FINDINGS if any(r.diagnostics for r in results) else EXIT_CLEAN


# --- entry point ----------------------------------------------------------------

def _confirm(argv: Sequence[str]) -> int:
    try:
        from . import confirm
    except ImportError as error:
        print(f"lint-fd confirm: not available ({error})", file=sys.stderr)
        return EXIT_ERROR
    status = confirm.main(list(argv))
    return int(status or 0)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``lint-fd`` with ``argv`` (default: the process arguments); returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["confirm"]:
        return _confirm(argv[1:])
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, --version, or a usage error (argparse printed it)
        return int(stop.code or 0) if isinstance(stop.code, int) else EXIT_ERROR
    if args.list_rules:
        list_rules(sys.stdout)
        return EXIT_CLEAN
    if args.jobs < 0:
        parser.print_usage(sys.stderr)
        print("lint-fd: error: --jobs must be 0 (one per core) or more", file=sys.stderr)
        return EXIT_ERROR
    try:
        settings = resolve_settings(args)
    except ConfigError as error:
        print(f"lint-fd: error: {error}", file=sys.stderr)
        return EXIT_ERROR

    from .runner import default_jobs, discover, lint_paths

    started = time.perf_counter()
    files, errors = discover(args.paths or ["."], args.exclude)
    from .fix import command as fix_command

    if fix_command.wanted(args):  # --fix / --diff / --fix-only: analyse afresh, no cache
        return fix_command.run(args, settings, files, errors)
    cache = None
    if not args.no_cache:
        from .cache import DEFAULT_DIR, Cache

        cache = Cache(args.cache_dir or DEFAULT_DIR, settings)
    try:
        results = lint_paths(files, settings, args.jobs or default_jobs(), cache)
    except KeyboardInterrupt:
        print("lint-fd: interrupted", file=sys.stderr)
        return 130
    results = sorted(errors + results, key=lambda result: result.path)
    report(results, args.format, sys.stdout, sys.stderr)
    if args.verbose:
        hits = sum(r.cached for r in results)
        print(f"lint-fd: {len(files)} files, {hits} from cache, {time.perf_counter() - started:.2f}s", file=sys.stderr)
    return exit_status(results)


if __name__ == "__main__":
    sys.exit(main())
