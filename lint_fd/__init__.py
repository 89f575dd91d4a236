"""lint_fd: find file-descriptor and resource-lifetime bugs in ML data-loading code.

``pylint --load-plugins lint_fd`` calls :func:`register`; flake8 finds the
plugin through its entry point; ``lint-fd`` is the command line.
"""
__version__ = "0.1.0"


def register(linter):  # pragma: no cover - exercised through pylint
    """pylint entry point: register lint_fd's checkers (one per message family)."""
    from .pylint_plugin import register as _register

    _register(linter)
