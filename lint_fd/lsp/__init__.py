"""``lint-fd lsp``: lint_fd as a language server over stdio.

Start it from an editor (see docs/editors.md) as ``lint-fd lsp`` (or
``python -m lint_fd.lsp``). Diagnostics come from the same engine call every
front end makes (:func:`lint_fd.api.check_source`); settings from the
workspace's ``[tool.lint_fd]`` and the editor's ``initializationOptions``.
"""
from __future__ import annotations

import argparse
import logging
import sys
from typing import Sequence


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lint-fd lsp",
                                     description="Run lint_fd as a language server on stdin/stdout.")
    parser.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (the default and only transport; "
                        "accepted because some editor clients always pass it)")
    parser.add_argument("--debounce-ms", type=float, default=None, metavar="MS",
                        help="quiet time after an edit before the unsaved buffer is checked (default 100)")
    parser.add_argument("--log-level", default="WARNING", choices=("DEBUG", "INFO", "WARNING", "ERROR"),
                        help="what the server logs on stderr (default WARNING)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until the client sends ``exit`` or closes stdin; returns the exit status."""
    args = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    logging.basicConfig(stream=sys.stderr, level=args.log_level,
                        format="lint-fd lsp %(levelname)s %(name)s: %(message)s")
    try:
        from .server import DEFAULT_DEBOUNCE, create_server
    except ImportError as error:
        print(f"lint-fd lsp: not available ({error}); install pygls and lsprotocol", file=sys.stderr)
        return 2
    debounce = DEFAULT_DEBOUNCE if args.debounce_ms is None else max(args.debounce_ms, 0.0) / 1000
    server = create_server(debounce)
    import gc

    gc.collect()
    gc.freeze()  # the server's own modules and objects are never garbage: full collections skip them
    server.start_io()
    return 0
