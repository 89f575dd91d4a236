"""``[tool.lint_fd]`` in pyproject.toml: finding it and turning it into Settings.

The table takes the same options as the command line::

    [tool.lint_fd]
    strict = true
    select = ["LFD1", "LFD2"]          # or "LFD1,LFD2"
    ignore = ["LFD102"]
    resource-factories = ["mylib.io.open_image"]

``resource_factories`` is accepted as a spelling of ``resource-factories``.
Unknown keys and wrong types raise :class:`ConfigError`, so that a typo is
not silently ignored.
"""
from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from .settings import Settings

TABLE = "lint_fd"
_LIST_KEYS = {"select": "select", "ignore": "ignore", "resource-factories": "resource_factories",
              "resource_factories": "resource_factories"}
_BOOL_KEYS = {"strict": "strict"}


class ConfigError(ValueError):
    """The configuration cannot be used; the message says where and why."""


def find_pyproject(start: str | Path | None = None) -> Path | None:
    """The nearest ``pyproject.toml`` with a ``[tool.lint_fd]`` table, from ``start`` upward.

    A pyproject.toml without the table (a sub-package's, say) is passed over,
    the way ruff looks for ``[tool.ruff]``. One that cannot be read or parsed
    raises ConfigError: it may hold the table, and silently running without
    the user's configuration would be worse than stopping.
    """
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            tool = load_pyproject(candidate).get("tool", {})
            if isinstance(tool, dict) and TABLE in tool:
                return candidate
    return None


def _toml():
    """The TOML parser: ``tomllib`` from Python 3.11, the ``tomli`` dependency before."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        try:
            import tomli as tomllib
        except ImportError as error:
            raise ConfigError("reading pyproject.toml needs the tomli package on Python 3.10 "
                              "(pip install tomli)") from error
    return tomllib


def load_pyproject(path: str | Path) -> dict[str, Any]:
    """Parse a pyproject.toml; a missing, unreadable or invalid file raises ConfigError."""
    tomllib = _toml()
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read configuration: {error}") from error


def settings_from_table(table: dict[str, Any], base: Settings | None = None,
                        source: str = "[tool.lint_fd]") -> Settings:
    """Settings from the ``[tool.lint_fd]`` table itself, over ``base``."""
    if not isinstance(table, dict):
        raise ConfigError(f"{source} must be a table")
    changes: dict[str, Any] = {}
    for key, value in table.items():
        if key in _BOOL_KEYS:
            if not isinstance(value, bool):
                raise ConfigError(f"{source}: {key} must be true or false, not {value!r}")
            changes[_BOOL_KEYS[key]] = value
        elif key in _LIST_KEYS:
            changes[_LIST_KEYS[key]] = _as_list(value, key, source, upper=key in ("select", "ignore"))
        else:
            known = ", ".join(sorted({*_BOOL_KEYS, "select", "ignore", "resource-factories"}))
            raise ConfigError(f"{source}: unknown key {key!r} (known: {known})")
    return replace(base or Settings(), **changes)


def settings_from_pyproject(data: dict[str, Any], base: Settings | None = None,
                            source: str = "pyproject.toml") -> Settings:
    """Settings from a whole parsed pyproject.toml (no table: ``base`` or defaults)."""
    tool = data.get("tool", {})
    table = tool.get(TABLE) if isinstance(tool, dict) else None
    if table is None:
        return base or Settings()
    return settings_from_table(table, base, f"{source}: [tool.{TABLE}]")


def load_settings(start: str | Path | None = None) -> tuple[Settings, Path | None]:
    """Settings from the nearest configuring pyproject.toml, and which file that was."""
    path = find_pyproject(start)
    if path is None:
        return Settings(), None
    return settings_from_pyproject(load_pyproject(path), source=str(path)), path


def split_list(value: str) -> tuple[str, ...]:
    """``"a, b,,c"`` -> ``("a", "b", "c")``: the comma lists of the CLI and of strings in the table."""
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _as_list(value: Any, key: str, source: str, upper: bool) -> tuple[str, ...]:
    if isinstance(value, str):
        items = split_list(value)
    elif isinstance(value, list) and all(isinstance(item, str) for item in value):
        items = tuple(item.strip() for item in value if item.strip())
    else:
        raise ConfigError(f"{source}: {key} must be a list of strings or a comma-separated string, not {value!r}")
    return tuple(item.upper() for item in items) if upper else items
