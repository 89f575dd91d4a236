"""One configuration, every door: the settings change flake8, pylint and ``lint-fd`` the same way.

A *door* is a front end run as a user runs it, in a subprocess from the project
folder, configured through its own configuration file:

* ``lint-fd``: ``[tool.lint_fd]`` in pyproject.toml;
* flake8: ``[flake8]`` in setup.cfg (its own extend-select / extend-ignore /
  per-file-ignores, lint_fd's ``lfd-*`` options);
* pylint: ``[tool.pylint.*]`` in pyproject.toml (enable / disable by symbol,
  lint_fd's ``lfd-*`` options);
* the language server (``lint-fd lsp``): ``[tool.lint_fd]`` like ``lint-fd``,
  each file opened by a real LSP client (tests/lsp_client.py) as an editor
  opens it, its findings the diagnostics the server publishes.

Each door is a :class:`Door`: a function writing its configuration from the
settings (spelt as in ``[tool.lint_fd]``) and a function running it that
returns ``{(path, line, code)}``.
"""
from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

import lint_fd.rules  # noqa: F401  (registers every rule in RULES)
from lint_fd.diagnostics import RULES

Findings = set[tuple[str, int, str]]
SYMBOL_TO_CODE = {info.symbol: code for code, info in RULES.items()}
LINE = re.compile(r"^(?P<path>[^:\n]+):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]+[0-9]+|[a-z-]+)\b", re.M)

# src/loader.py: an unclosed image (LFD101, line 7), a temporary (LFD104, line 12, off by
# default) and a generator holding a file across yield unprotected (LFD301, line 16).
LOADER = '''\
from PIL import Image
import numpy as np


def size(path):
    """The image is never closed."""
    img = Image.open(path)
    return img.size


def pixels(path):
    return np.asarray(Image.open(path))


def lines(path):
    f = open(path)
    for line in f:
        yield line
    f.close()
'''
# legacy/old.py: the same unclosed image (LFD101, line 7) and a close() on a Keras iterator (LFD201, line 13).
OLD = '''\
from PIL import Image
from keras.preprocessing.image import ImageDataGenerator


def size(path):
    """The image is never closed."""
    img = Image.open(path)
    return img.size


def train(model):
    it = ImageDataGenerator().flow_from_directory("data")
    it.close()
'''
FILES = {"src/loader.py": LOADER, "legacy/old.py": OLD}

#: the settings under test, as in [tool.lint_fd]
SETTINGS = {
    "extend-select": ["LFD104"],
    "extend-ignore": ["LFD3"],
    "per-file-ignores": {"legacy/*": ["LFD101"]},
}
#: by reading the two files above: what every door must report without and with SETTINGS
DEFAULT_FINDINGS: Findings = {
    ("src/loader.py", 7, "LFD101"), ("src/loader.py", 16, "LFD301"),
    ("legacy/old.py", 7, "LFD101"), ("legacy/old.py", 13, "LFD201"),
}
CONFIGURED_FINDINGS: Findings = {
    ("src/loader.py", 7, "LFD101"), ("src/loader.py", 12, "LFD104"),  # LFD104 selected, LFD3 ignored
    ("legacy/old.py", 13, "LFD201"),  # LFD101 ignored in legacy/*
}
OURS = ("LFD", "E999")


def _toml(value) -> str:
    return json.dumps(value) if not isinstance(value, dict) else \
        "{ " + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + " }"


def _run(project: Path, launcher: str, args: list[str], prelude: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", prelude + launcher, *args], capture_output=True, text=True,
                          cwd=project, timeout=300)


def _parse(output: str, to_code=lambda name: name) -> Findings:
    found: Findings = set()
    for match in LINE.finditer(output):
        code = to_code(match["code"])
        if code and code.startswith(OURS):
            found.add((Path(match["path"]).as_posix().removeprefix("./"), int(match["line"]), code))
    return found


# --- lint-fd ----------------------------------------------------------------------------

def configure_lint_fd(project: Path, settings: dict) -> None:
    lines = ["[tool.lint_fd]", *(f"{key} = {_toml(value)}" for key, value in settings.items())]
    with open(project / "pyproject.toml", "a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


def run_lint_fd(project: Path, prelude: str = "") -> Findings:
    proc = _run(project, "import sys\nfrom lint_fd.cli import main\nsys.exit(main(sys.argv[1:]))\n",
                ["--no-cache", "--jobs", "1", *FILES], prelude)
    assert proc.returncode in (0, 1), proc.stderr
    return _parse(proc.stdout)


# --- flake8 -------------------------------------------------------------------------------

def configure_flake8(project: Path, settings: dict) -> None:
    lines = ["[flake8]"]
    for key, value in settings.items():
        if key == "per-file-ignores":
            lines.append("per-file-ignores =")
            lines.extend(f"    {glob}: {','.join(codes)}" for glob, codes in value.items())
        elif key in ("extend-select", "extend-ignore"):
            lines.append(f"{key} = {','.join(value)}")
        else:  # resource-factories, release-functions, keeper-functions
            lines.append(f"lfd-{key} = {','.join(value)}")
    (project / "setup.cfg").write_text("\n".join(lines) + "\n", encoding="utf-8")


def run_flake8(project: Path, prelude: str = "") -> Findings:
    proc = _run(project, "import sys\nfrom flake8.main.cli import main\nsys.exit(main(sys.argv[1:]))\n",
                ["--jobs=1", *FILES], prelude)
    assert proc.returncode in (0, 1) and not proc.stderr, proc.stdout + proc.stderr
    return _parse(proc.stdout)


# --- pylint -------------------------------------------------------------------------------

def _symbols(codes: list[str]) -> list[str]:
    return [info.symbol for code, info in RULES.items() if any(code.startswith(prefix) for prefix in codes)]


def configure_pylint(project: Path, settings: dict) -> None:
    """extend-select / extend-ignore become enable / disable of the symbols; the rest are lfd- options."""
    control, plugin = [], []
    for key, value in settings.items():
        if key in ("extend-select", "extend-ignore"):
            control.append(f"{'enable' if key == 'extend-select' else 'disable'} = {_toml(_symbols(value))}")
        elif key == "per-file-ignores":
            entries = " ".join(f"{glob}:{','.join(codes)}" for glob, codes in value.items())
            plugin.append(f"lfd-per-file-ignores = {_toml(entries)}")
        else:
            plugin.append(f"lfd-{key} = {_toml(value)}")
    text = "\n".join(["[tool.pylint.main]", 'load-plugins = ["lint_fd"]', "persistent = false", "",
                      '[tool.pylint."messages control"]', *control, "",
                      "[tool.pylint.lint-fd-resources]", *plugin]) + "\n"
    with open(project / "pyproject.toml", "a", encoding="utf-8") as handle:
        handle.write(text)


def run_pylint(project: Path, prelude: str = "") -> Findings:
    proc = _run(project, "import sys\nfrom pylint.lint import Run\nRun(sys.argv[1:])\n",
                ["--jobs=1", "--score=n", "--msg-template={path}:{line}:{column}: {symbol}", *FILES], prelude)
    assert proc.returncode < 32 and "Traceback" not in proc.stderr, proc.stdout + proc.stderr
    return _parse(proc.stdout, SYMBOL_TO_CODE.get)


# --- the language server ----------------------------------------------------------------

def run_language_server(project: Path, prelude: str = "") -> Findings:
    """``lint-fd lsp`` started in the project, every file opened: the diagnostics it publishes."""
    from lsp_client import diagnostics, lsp_session, open_document

    server = [sys.executable, "-c", prelude + "import sys\nfrom lint_fd.lsp import main\nsys.exit(main([]))\n"]

    async def session() -> Findings:
        found: Findings = set()
        async with lsp_session(project, server=server) as client:
            for name in FILES:
                uri = open_document(client, project / name, (project / name).read_text(encoding="utf-8"))
                found |= {(name, shown.range.start.line + 1, shown.code)
                          for shown in await diagnostics(client, uri, 1) if shown.code.startswith(OURS)}
        return found

    return asyncio.run(session())


@dataclass(frozen=True)
class Door:
    name: str
    configure: Callable[[Path, dict], None]
    findings: Callable[..., Findings]


DOORS = [
    Door("lint-fd", configure_lint_fd, run_lint_fd),
    Door("flake8", configure_flake8, run_flake8),
    Door("pylint", configure_pylint, run_pylint),
    Door("language server", configure_lint_fd, run_language_server),  # [tool.lint_fd], like lint-fd
]


def make_project(root: Path) -> Path:
    for name, text in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "pyproject.toml").write_text("[project]\nname = 'demo'\nversion = '0'\n", encoding="utf-8")
    return root


@pytest.mark.parametrize("door", DOORS, ids=lambda door: door.name)
def test_settings_change_every_door_the_same_way(tmp_path, door):
    plain = make_project(tmp_path / "plain")
    door.configure(plain, {})
    assert door.findings(plain) == DEFAULT_FINDINGS
    configured = make_project(tmp_path / "configured")
    door.configure(configured, SETTINGS)
    assert door.findings(configured) == CONFIGURED_FINDINGS


#: wraps the engine call to record what lint_fd's own-function settings reached it
SPY = textwrap.dedent('''\
    import json, os, lint_fd.api
    _real = lint_fd.api.analyze
    def _spy(tree, source, settings, *args, **kwargs):
        with open(os.environ["LFD_SPY"], "a") as log:
            log.write(json.dumps([settings.resource_factories, settings.release_functions,
                                  settings.keeper_functions]) + "\\n")
        return _real(tree, source, settings, *args, **kwargs)
    lint_fd.api.analyze = _spy
''')
NAMES = {
    "resource-factories": ["mylib.io.open_blob"],
    "release-functions": ["mylib.io.safe_close"],
    "keeper-functions": ["mylib.cache.register", "pool.keep"],
}


@pytest.mark.parametrize("door", DOORS, ids=lambda door: door.name)
def test_own_function_settings_reach_the_engine_through_every_door(tmp_path, monkeypatch, door):
    """release-functions and keeper-functions (whose effect is the engine's) arrive intact from every door."""
    project = make_project(tmp_path)
    door.configure(project, NAMES)
    log = tmp_path / "spy.jsonl"
    monkeypatch.setenv("LFD_SPY", str(log))
    door.findings(project, SPY)
    seen = {tuple(map(tuple, json.loads(line))) for line in log.read_text().splitlines()}
    assert seen == {(("mylib.io.open_blob",), ("mylib.io.safe_close",), ("mylib.cache.register", "pool.keep"))}
