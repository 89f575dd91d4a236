"""The parse floor: read and ``ast.parse`` every file ``lint-fd`` would check, nothing more.

``python bench/parse_floor.py [--exclude NAME,...] PATH...`` walks folders the
way ``lint-fd`` does (``*.py``, hidden folders and ``__pycache__`` skipped,
excluded names skipped), reads each file as bytes and parses it. It imports
nothing of lint_fd, so a run of it is what any Python linter has to pay
before it looks at a single node: interpreter start-up, file discovery,
reading and parsing.
"""
from __future__ import annotations

import ast
import fnmatch
import gc
import os
import sys
import warnings


def files(paths: list[str], exclude: list[str]):
    for top in paths:
        if not os.path.isdir(top):
            yield top
            continue
        pending = [top]
        while pending:
            folder = pending.pop()
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
            subfolders = []
            for entry in entries:
                path = os.path.join(folder, entry.name)
                if any(fnmatch.fnmatch(entry.name, p) or fnmatch.fnmatch(path, p) for p in exclude):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    if not entry.name.startswith(".") and entry.name != "__pycache__":
                        subfolders.append(path)
                elif entry.name.endswith(".py") and entry.is_file():
                    yield path
            pending.extend(reversed(subfolders))


def main(argv: list[str]) -> int:
    exclude: list[str] = []
    if argv[:1] == ["--gc-threshold"]:  # the collector pace lint-fd sets for itself (lint_fd.collector)
        gc.set_threshold(*(int(n) for n in argv[1].split(",")))
        argv = argv[2:]
    if argv[:1] == ["--exclude"]:
        exclude, argv = [p for p in argv[1].split(",") if p], argv[2:]
    warnings.simplefilter("ignore")
    count = 0
    for path in files(argv, exclude):
        with open(path, "rb") as handle:
            data = handle.read()
        try:
            ast.parse(data, filename=path)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            pass
        count += 1
    print(count)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
