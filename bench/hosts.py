"""Run flake8 or pylint in this process, with or without lint_fd, and time lint_fd's share.

``python bench/hosts.py HOST MODE STATS_JSON ARGS...``

* HOST is ``flake8`` or ``pylint``; MODE is ``with`` or ``without``.
* flake8 loads every plugin installed through an entry point and runs it
  even when its codes are not selected, so ``--select``/``--extend-ignore``
  cannot switch lint_fd off. ``without`` therefore removes lint_fd's entry
  point from flake8's plugin discovery
  (``flake8.plugins.finder._find_importlib_plugins``) before flake8 starts;
  ``with`` leaves discovery alone. Everything else (interpreter, flake8
  version, options, files, this wrapper) is the same in both runs.
* pylint loads lint_fd only when asked: ``with`` adds
  ``--load-plugins=lint_fd``, ``without`` does not.
* In ``with`` mode everything lint_fd does inside the host is timed
  directly: importing lint_fd and its adapter, registering options and
  checkers (flake8's ``add_options``/``parse_options``, pylint's
  ``register``), and the per-file work (flake8's ``run``, the pylint
  checkers' ``visit_*`` methods, ``lint_fd.api``'s ``check_tree`` and
  ``check_source``), counting only the outermost of nested calls. This
  direct measure does not depend on run-to-run noise, which on a shared
  machine is larger than the budgets.

One line ``{"lint_fd_seconds", "calls", "inner_seconds", "status"}`` is appended to STATS_JSON per run.
"""
from __future__ import annotations

import functools
import importlib
import inspect
import json
import sys
import time


class Timer:
    """Accumulates the time spent in the outermost of nested wrapped calls."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0
        self._depth = 0
        self._started = 0.0

    def __enter__(self):
        if self._depth == 0:
            self._started = time.perf_counter()
            self.calls += 1
        self._depth += 1
        return self

    def __exit__(self, *exc):
        self._depth -= 1
        if self._depth == 0:
            self.seconds += time.perf_counter() - self._started
        return False

    def wrap(self, function):
        if inspect.isgeneratorfunction(function):
            @functools.wraps(function)
            def generator_wrapper(*args, **kwargs):
                with self:
                    results = list(function(*args, **kwargs))
                yield from results
            return generator_wrapper

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with self:
                return function(*args, **kwargs)
        return wrapper


def _wrap_members(timer: Timer, cls: type, wanted) -> None:
    for name, member in list(vars(cls).items()):
        if not wanted(name):
            continue
        if isinstance(member, (classmethod, staticmethod)):
            setattr(cls, name, type(member)(timer.wrap(member.__func__)))
        elif callable(member):
            setattr(cls, name, timer.wrap(member))


def instrument(timer: Timer, host: str) -> None:
    """Import lint_fd and wrap its api and the host adapter before the host loads them.

    The import itself is timed too: the host would pay it when it loads the plugin.
    """
    if host == "flake8":  # the host's own modules first: importing them is not lint_fd's cost
        import flake8.main.cli  # noqa: F401
    else:
        import pylint.lint  # noqa: F401
        from pylint.checkers import BaseChecker

    started = time.perf_counter()
    import lint_fd
    import lint_fd.api as api

    adapter = importlib.import_module(f"lint_fd.{host}_plugin")
    timer.seconds += time.perf_counter() - started

    for name in ("check_tree", "check_source"):
        setattr(api, name, timer.wrap(getattr(api, name)))
    for cls in vars(adapter).values():
        if not (inspect.isclass(cls) and cls.__module__ == adapter.__name__):
            continue
        if host == "flake8":  # the tree plugin: options, then one run() per file
            _wrap_members(timer, cls, lambda name: name in ("run", "add_options", "parse_options"))
        elif issubclass(cls, BaseChecker):
            _wrap_members(timer, cls, lambda name: name.startswith(("visit_", "leave_", "process_")))
    if host == "pylint":  # --load-plugins=lint_fd calls lint_fd.register(linter)
        lint_fd.register = timer.wrap(lint_fd.register)


def run_flake8(args: list[str], with_plugin: bool) -> int:
    from flake8.main import cli
    from flake8.plugins import finder

    if not with_plugin:
        discover = finder._find_importlib_plugins

        def without_lint_fd():
            for plugin in discover():
                if not plugin.entry_point.value.startswith("lint_fd"):
                    yield plugin

        finder._find_importlib_plugins = without_lint_fd
    return cli.main(args)


def run_pylint(args: list[str], with_plugin: bool) -> int:
    from pylint.lint import Run

    argv = (["--load-plugins=lint_fd"] if with_plugin else []) + args
    return Run(argv, exit=False).linter.msg_status


def main(argv: list[str]) -> int:
    host, mode, stats_path, *args = argv
    with_plugin = mode == "with"
    timer = Timer()
    if with_plugin:
        instrument(timer, host)
    started = time.perf_counter()
    status = (run_flake8 if host == "flake8" else run_pylint)(args, with_plugin)
    inner = time.perf_counter() - started
    with open(stats_path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"lint_fd_seconds": timer.seconds, "calls": timer.calls, "inner_seconds": inner,
                                 "status": status}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
