"""``[tool.lint_fd]`` in pyproject.toml, and the option strings of flake8 and pylint, into Settings.

The table takes the keys of :data:`lint_fd.settings.OPTIONS`::

    [tool.lint_fd]
    strict = true
    select = ["LFD1", "LFD2"]          # or "LFD1,LFD2"
    extend-ignore = ["LFD302"]
    per-file-ignores = { "tests/*" = ["LFD101"] }
    resource-factories = ["mylib.io.open_image"]
    release-functions = ["mylib.io.safe_close"]
    keeper-functions = ["mylib.cache.register"]

Every key may also be spelled with underscores (``resource_factories``).
Unknown keys and wrong values raise :class:`ConfigError` with a one-line
message naming the file and the key, so that a typo is never silently ignored.
"""
from __future__ import annotations

import re
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from .settings import OPTIONS, Option, Settings, normalize_glob

TABLE = "lint_fd"
OPTIONS_BY_KEY = {option.key: option for option in OPTIONS}
CODE_PREFIX = re.compile(r"^[A-Z]+[0-9]*$")
#: a dotted name, optionally ``:member`` (``mylib.io.open_blob:release``)
DOTTED_NAME = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*(:\w+)?$")


class ConfigError(ValueError):
    """The configuration cannot be used; the message says where and why, on one line."""


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
        raise ConfigError(f"{path}: cannot read configuration: {_one_line(error)}") from error


# --- values --------------------------------------------------------------------

def _one_line(value: Any, limit: int = 80) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _shown(value: Any) -> str:
    return _one_line(repr(value))


def split_list(value: str) -> tuple[str, ...]:
    """``"a, b,,c"`` -> ``("a", "b", "c")``: the comma lists of the CLI and of strings in the table."""
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _string_list(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return split_list(value)
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        return tuple(item.strip() for item in value if item.strip())
    raise ConfigError(f"{where} must be a list of strings or a comma-separated string, not {_shown(value)}")


def codes(value: Any, where: str) -> tuple[str, ...]:
    """Code prefixes (``LFD1``, ``LFD104``), upper-cased; anything else raises ConfigError."""
    items = tuple(item.upper() for item in _string_list(value, where))
    for item in items:
        if not CODE_PREFIX.match(item):
            raise ConfigError(f"{where}: {item!r} is not a code or code prefix (like LFD1 or LFD104)")
    return items


def dotted_names(value: Any, where: str) -> tuple[str, ...]:
    """Dotted names (``mylib.io.safe_close``, ``pkg.open_blob:release``); anything else raises ConfigError."""
    items = _string_list(value, where)
    for item in items:
        if not DOTTED_NAME.match(item):
            raise ConfigError(f"{where}: {item!r} is not a dotted name (like mylib.io.safe_close)")
    return items


_PFI_TOKEN = re.compile(r"\s*(?:(?P<sep>[:,])|(?P<word>[^\s:,]+))")


def parse_per_file_ignores(text: str, where: str = "per-file-ignores",
                           parent: str | Path = ".") -> tuple[tuple[str, tuple[str, ...]], ...]:
    """flake8's ``per-file-ignores`` string (``"tests/*:LFD101,LFD102 setup.py:LFD1"``) into pairs.

    Globs come first, then ``:``, then codes; a word after the codes starts
    the next entry. Globs with a folder part are made absolute relative to ``parent``.
    """
    entries: list[tuple[list[str], list[str]]] = []
    globs: list[str] = []
    found: list[str] = []
    after_colon = False
    position = 0
    text = text.strip()
    while position < len(text):
        match = _PFI_TOKEN.match(text, position)
        if match is None or match.end() == position:
            break
        position = match.end()
        if match["sep"] == ":":
            if not globs or after_colon:
                raise ConfigError(f"{where}: expected 'glob: codes' entries, got {_shown(text)}")
            after_colon = True
        elif match["word"]:
            word = match["word"]
            if after_colon and CODE_PREFIX.match(word):
                found.append(word)
            else:
                if after_colon:  # the next entry starts
                    if not found:
                        raise ConfigError(f"{where}: no codes for {' '.join(globs)!r}")
                    entries.append((globs, found))
                    globs, found, after_colon = [], [], False
                globs.append(word)
    if globs:
        if not after_colon or not found:
            raise ConfigError(f"{where}: expected 'glob: codes' entries, got {_shown(text)}")
        entries.append((globs, found))
    return tuple((normalize_glob(glob, parent), tuple(found)) for globs, found in entries for glob in globs)


def per_file_ignores(value: Any, where: str, parent: str | Path) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The ``per-file-ignores`` table (glob -> codes) or a flake8-style string into pairs."""
    if isinstance(value, str):
        return parse_per_file_ignores(value, where, parent)
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must be a table of glob = [codes], not {_shown(value)}")
    return tuple((normalize_glob(glob, parent), codes(found, f"{where}.{glob!r}"))
                 for glob, found in value.items())


def convert(option: Option, value: Any, where: str, parent: str | Path = "."):
    """The value of one option, checked and converted for :class:`Settings` (raises ConfigError)."""
    if option.kind == "bool":
        if not isinstance(value, bool):
            raise ConfigError(f"{where} must be true or false, not {_shown(value)}")
        return value
    if option.kind == "codes":
        return codes(value, where)
    if option.kind == "names":
        return dotted_names(value, where)
    return per_file_ignores(value, where, parent)


# --- tables --------------------------------------------------------------------

def read_table(table: Any, source: str = "[tool.lint_fd]", parent: str | Path = ".") -> dict[str, Any]:
    """The Settings fields a ``[tool.lint_fd]`` table sets, checked (raises ConfigError)."""
    if not isinstance(table, dict):
        raise ConfigError(f"{source} must be a table")
    changes: dict[str, Any] = {}
    for key, value in table.items():
        option = OPTIONS_BY_KEY.get(str(key).replace("_", "-"))
        if option is None:
            known = ", ".join(OPTIONS_BY_KEY)
            raise ConfigError(f"{source}: unknown key {key!r} (known: {known})")
        changes[option.field] = convert(option, value, f"{source}: {key}", parent)
    return changes


def settings_from_table(table: dict[str, Any], base: Settings | None = None,
                        source: str = "[tool.lint_fd]", parent: str | Path = ".") -> Settings:
    """Settings from the ``[tool.lint_fd]`` table itself, over ``base``."""
    return replace(base or Settings(), **read_table(table, source, parent))


def table_of(data: dict[str, Any]) -> Any:
    """The ``[tool.lint_fd]`` table of a parsed pyproject.toml, or None."""
    tool = data.get("tool", {})
    return tool.get(TABLE) if isinstance(tool, dict) else None


def settings_from_pyproject(data: dict[str, Any], base: Settings | None = None,
                            source: str = "pyproject.toml") -> Settings:
    """Settings from a whole parsed pyproject.toml (no table: ``base`` or defaults).

    Globs with a folder part in ``per-file-ignores`` are relative to the folder of ``source``.
    """
    table = table_of(data)
    if table is None:
        return base or Settings()
    return settings_from_table(table, base, f"{source}: [tool.{TABLE}]", Path(source).resolve().parent)


def load_settings(start: str | Path | None = None) -> tuple[Settings, Path | None]:
    """Settings from the nearest configuring pyproject.toml, and which file that was."""
    path = find_pyproject(start)
    if path is None:
        return Settings(), None
    return settings_from_pyproject(load_pyproject(path), source=str(path)), path
