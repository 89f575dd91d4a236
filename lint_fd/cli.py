"""The ``lint-fd`` command: check files and folders, print findings like flake8.

``lint-fd [options] [PATH ...]`` prints ``path:line:col: CODE message``
(1-based column, as flake8 prints it), sorted by path, line and column, and
ends with a summary line on stderr (``--quiet`` drops it); ``--format json``
prints a list of ``{path, line, col, code, message}`` (the same 1-based
column), ``--format github`` workflow annotations and ``--format sarif`` a
SARIF 2.1.0 log; ``--output-file`` writes any of them to a file.
Exit status: 0 nothing found, 1 findings (E999 included), 2 a usage or
configuration error, a file that could not be read, or an internal
failure of lint_fd (LFD999) on some file. ``lint-fd confirm ...`` runs the
runtime confirmations (:mod:`lint_fd.confirm`).

Settings come from ``[tool.lint_fd]`` in the nearest pyproject.toml that
has the table, upward from the current folder; command-line options win.
``--show-settings`` prints the result and where each value came from.
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, replace
from typing import Sequence

from . import __version__
from .config import (ConfigError, codes, dotted_names, load_pyproject, parse_per_file_ignores, read_table,
                     split_list, table_of, find_pyproject)
from .diagnostics import INTERNAL_ERROR
from .settings import OPTIONS, Settings

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
#: fewer files than this finish before a progress bar would be worth drawing
PROGRESS_MIN_FILES = 50


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lint-fd",
        description="Find file-descriptor and resource-lifetime bugs in ML data-loading code.",
        epilog="`lint-fd confirm ...` runs the runtime confirmation of the rules. "
        "Exit status: 0 clean, 1 findings, 2 usage/read error or internal failure (LFD999).",
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files and folders to check (default: .)")
    rules = parser.add_argument_group("choosing rules (code prefixes, comma separated)")
    rules.add_argument("--select", type=_option_codes("--select"), metavar="CODES", help="codes to report (e.g. LFD1,LFD301)")
    rules.add_argument("--ignore", type=_option_codes("--ignore"), metavar="CODES", help="codes not to report")
    rules.add_argument("--extend-select", type=_option_codes("--extend-select"), metavar="CODES",
                       help="codes to report in addition to --select")
    rules.add_argument("--extend-ignore", type=_option_codes("--extend-ignore"), metavar="CODES",
                       help="codes not to report, in addition to --ignore")
    rules.add_argument("--per-file-ignores", type=_option_pfi, metavar="'GLOB:CODES ...'",
                       help="codes not to report in matching files, flake8 syntax: 'tests/*:LFD101 setup.py:LFD1'")
    rules.add_argument("--strict", action=argparse.BooleanOptionalAction, default=None,
                       help="turn on the off-by-default rule LFD104 (temporaries)")
    names = parser.add_argument_group("your own functions (dotted names, comma separated)")
    names.add_argument("--resource-factories", type=_option_names("--resource-factories"), metavar="NAMES",
                       help="calls that return a resource to close (mylib.io.open_image)")
    names.add_argument("--release-functions", type=_option_names("--release-functions"), metavar="NAMES",
                       help="functions that close the resource they receive (mylib.io.safe_close)")
    names.add_argument("--keeper-functions", type=_option_names("--keeper-functions"), metavar="NAMES",
                       help="functions that take ownership of the resource they receive (mylib.cache.register)")
    output = parser.add_argument_group("output")
    output.add_argument("--format", choices=("text", "json", "github", "sarif"), default="text",
                        help="output format (default: text)")
    output.add_argument("-o", "--output-file", metavar="PATH", help="write the findings to PATH instead of stdout")
    output.add_argument("--show-source", action="store_true", help="show the offending line with a caret (text)")
    output.add_argument("--statistics", action="store_true", help="print the number of findings per code")
    output.add_argument("-q", "--quiet", action="store_true", help="no summary line and no progress bar")
    output.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="colour text output (auto: on a terminal, unless NO_COLOR is set)")
    output.add_argument("-v", "--verbose", action="store_true",
                        help="print files, cache hits and time on stderr")
    run = parser.add_argument_group("running")
    run.add_argument("--exclude", type=split_list, default=(), metavar="PATTERNS",
                     help="comma list of fnmatch patterns of names/paths to skip inside folders")
    run.add_argument("-j", "--jobs", type=int, default=0,
                     help="worker processes (default 0: one per core; 1 runs in this process)")
    run.add_argument("--no-cache", action="store_true", help="neither read nor write the result cache")
    run.add_argument("--cache-dir", default=None, metavar="DIR", help="cache folder (default: .lint_fd_cache)")
    config = parser.add_argument_group("configuration")
    config.add_argument("--config", metavar="FILE", help="read [tool.lint_fd] from this file instead of searching")
    config.add_argument("--isolated", action="store_true", help="ignore configuration files")
    config.add_argument("--show-settings", action="store_true",
                        help="print the resolved settings and where each came from, and exit")
    parser.add_argument("--list-rules", action="store_true", help="list the rules and exit")
    from .fix import command as fix_command

    fix_command.add_arguments(parser)
    parser.add_argument("--version", action="version",
                        version=f"lint-fd {__version__} (Python {sys.version.split()[0]})")
    return parser


def _argument_type(convert, option: str):
    """An argparse type from a ConfigError-raising converter (argparse prints the one-line error)."""
    def parse(value: str):
        try:
            return convert(value, option)
        except ConfigError as error:
            raise argparse.ArgumentTypeError(str(error).removeprefix(f"{option}: ")) from None
    parse.__name__ = option.lstrip("-")
    return parse


def _option_codes(option: str):
    return _argument_type(codes, option)


def _option_names(option: str):
    return _argument_type(dotted_names, option)


def _option_pfi(value: str):
    try:
        return parse_per_file_ignores(value, "--per-file-ignores")
    except ConfigError as error:
        raise argparse.ArgumentTypeError(str(error).removeprefix("--per-file-ignores: ")) from None


@dataclass(frozen=True)
class Resolved:
    """The settings of a run and, per Settings field, where its value came from."""

    settings: Settings
    sources: dict[str, str]
    config: str = "none found"


def resolve(args: argparse.Namespace) -> Resolved:
    """Configuration file first, then the command line over it (raises ConfigError)."""
    changes: dict = {}
    sources: dict[str, str] = {}
    path = None
    config = "none found (no pyproject.toml with [tool.lint_fd] from here upward)"
    if args.config:
        path = args.config
    elif args.isolated:
        config = "none read (--isolated)"
    else:
        path = find_pyproject()
    if path is not None:
        from pathlib import Path

        table = table_of(load_pyproject(path))
        config = f"{path}" + ("" if table is not None else " (no [tool.lint_fd] table)")
        if table is not None:
            found = read_table(table, f"{path}: [tool.lint_fd]", Path(path).resolve().parent)
            changes.update(found)
            sources.update(dict.fromkeys(found, f"{path}"))
    for option in OPTIONS:
        value = getattr(args, option.field, None)
        if value is not None:
            changes[option.field] = value
            sources[option.field] = f"command line ({option.cli.split(' ')[0]})"
    return Resolved(replace(Settings(), **changes), sources, config)


def resolve_settings(args: argparse.Namespace) -> Settings:
    """Configuration file first, then the command line over it (raises ConfigError)."""
    return resolve(args).settings


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple) and value and isinstance(value[0], tuple):
        return "{ " + ", ".join(f"{_toml_value(glob)} = {_toml_value(found)}" for glob, found in value) + " }"
    if isinstance(value, tuple):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    if isinstance(value, str):
        import json

        return json.dumps(value)
    return repr(value)


def show_settings(resolved: Resolved, out) -> None:
    """``key = value  # source``, one line per setting, in TOML so it can be pasted into the table."""
    rows = [(f"{option.key} = {_toml_value(getattr(resolved.settings, option.field))}",
             resolved.sources.get(option.field, "default")) for option in OPTIONS]
    width = max(len(text) for text, _ in rows)
    print(f"# configuration: {resolved.config}", file=out)
    print("[tool.lint_fd]", file=out)
    for text, source in rows:
        print(f"{text.ljust(width)}  # {source}", file=out)


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


def _lsp(argv: Sequence[str]) -> int:
    from .lsp import main as serve

    return serve(list(argv))


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``lint-fd`` with ``argv`` (default: the process arguments); returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["confirm"]:
        return _confirm(argv[1:])
    if argv[:1] == ["lsp"]:
        return _lsp(argv[1:])
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
        resolved = resolve(args)
    except ConfigError as error:
        print(f"lint-fd: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    if args.show_settings:
        show_settings(resolved, sys.stdout)
        return EXIT_CLEAN
    return run(args, resolved.settings)


def publish(args: argparse.Namespace, results) -> bool:
    """Write the findings of ``results`` in ``args.format`` (to ``--output-file`` if given), with
    ``--show-source`` and ``--statistics``; False when the output file cannot be written."""
    from . import report

    try:
        out = open(args.output_file, "w", encoding="utf-8", newline="\n") if args.output_file else sys.stdout
    except OSError as error:
        print(f"lint-fd: error: cannot write {args.output_file}: {error.strerror or error}", file=sys.stderr)
        return False
    try:
        style = report.Style(args.format == "text" and report.use_color(args.color, out))
        report.write_findings(results, args.format, out, style=style, show_source=args.show_source)
        if args.statistics:
            stats_out = out if args.format == "text" else sys.stderr
            for line in report.statistics_lines(results, style if stats_out is out else None):
                print(line, file=stats_out)
    finally:
        if out is not sys.stdout:
            out.close()
        else:
            out.flush()  # the findings before the summary on stderr, also when both go to one pipe
    return True


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Check the paths, print the report, return the exit status."""
    from . import progress, report
    from .collector import pace_for_batch
    from .runner import default_jobs, discover, lint_paths

    pace_for_batch()
    started = time.perf_counter()
    files, errors = discover(args.paths or ["."], args.exclude)
    from .fix import command as fix_command

    if fix_command.wanted(args):  # --fix / --diff / --fix-only: analyse afresh, no cache
        return fix_command.run(args, settings, files, errors)
    cache = None
    if not args.no_cache:
        from .cache import DEFAULT_DIR, Cache

        # per-file-ignores is applied by path after the cache: entries stay shareable between paths
        cache = Cache(args.cache_dir or DEFAULT_DIR, replace(settings, per_file_ignores=()))
    bar = None
    if (not args.quiet and args.format == "text" and len(files) >= PROGRESS_MIN_FILES
            and progress.wanted(sys.stderr)):
        bar = progress.Progress(len(files), sys.stderr, "lint-fd")
    try:
        results = lint_paths(files, settings, args.jobs or default_jobs(), cache,
                             progress=bar.advance if bar else None)
    except KeyboardInterrupt:
        if bar:
            bar.close()
        print("lint-fd: interrupted", file=sys.stderr)
        return 130
    if bar:
        bar.close()
    results = sorted(errors + results, key=lambda result: result.path)
    if not publish(args, results):
        return EXIT_ERROR
    report.write_read_errors(results, sys.stderr)
    if args.format == "text" and not args.quiet:
        print(report.summary_line(results, report.Style(report.use_color(args.color, sys.stderr))), file=sys.stderr)
    if args.verbose:
        hits = sum(r.cached for r in results)
        print(f"lint-fd: {len(files)} files, {hits} from cache, {time.perf_counter() - started:.2f}s", file=sys.stderr)
    return exit_status(results)


if __name__ == "__main__":
    sys.exit(main())
