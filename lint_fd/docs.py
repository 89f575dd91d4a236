"""Generate the docs pages that have one source of truth in the code.

* ``docs/rules/<CODE>.md`` from each rule's docstring, and ``docs/rules/index.md``
  (the rule table) from the registry;
* ``docs/configuration.md`` from :data:`lint_fd.settings.OPTIONS`.

``python -m lint_fd.docs`` writes the pages; ``python -m lint_fd.docs --check``
exits 1 when a page is missing or stale, or a docstring lacks a section.
``--dir`` writes or checks only the rule pages, in another folder.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .fix.kinds import describe as describe_fix
from .rules import RULE_CLASSES

SECTIONS = ("## What it flags", "## Why it matters", "## Evidence", "## Example", "## Use instead")
DOCS_DIR = Path(__file__).resolve().parent.parent / "docs"
DEFAULT_DIR = DOCS_DIR / "rules"
CONFIG_PAGE = DOCS_DIR / "configuration.md"
INDEX = "index.md"
GENERATED_MARK = "by `python -m lint_fd.docs`"


def missing_sections(rule: type) -> list[str]:
    """The required ``## `` headings the rule's docstring lacks (as whole lines)."""
    lines = {line.rstrip() for line in rule.documentation().splitlines()}
    return [section for section in SECTIONS if section not in lines]


def source_path(rule: type) -> str:
    return rule.__module__.replace(".", "/") + ".py"


def render(rule: type) -> str:
    """The Markdown page of one rule."""
    state = "on" if rule.default_enabled else "off (enable with strict mode or by selecting it explicitly)"
    return "\n".join(
        [
            f"# {rule.code} — {rule.symbol} (pylint {rule.pylint_id})",
            "",
            f"Default: {state}.",
            "",
            describe_fix(rule.code),
            "",
            f"Message: `{rule.template}`",
            "",
            rule.documentation().strip(),
            "",
            "---",
            "",
            f"_This page is generated from `{source_path(rule)}` {GENERATED_MARK};"
            " edit the docstring there, not this file._",
            "",
        ]
    )


def _what_it_flags(rule: type) -> str:
    """The first sentence of the rule's "What it flags" section, on one line."""
    text = rule.documentation().split("## What it flags", 1)[-1].split("\n## ", 1)[0]
    text = " ".join(text.split())
    head, dot, _ = text.partition(". ")
    return head + "." if dot else text


def render_index() -> str:
    """``docs/rules/index.md``: every rule with its names, default and first sentence."""
    lines = [
        "# Rules",
        "",
        "Every rule has a page: what it flags, why it matters, the runtime evidence, an example",
        "and what to write instead. Codes are what flake8 and `lint-fd` print; pylint prints the",
        "symbol and id. LFD104 is off unless strict mode is on or it is selected by its exact code.",
        "",
        "| code | pylint | default | what it flags |",
        "| --- | --- | --- | --- |",
    ]
    for code, rule in sorted(RULE_CLASSES.items()):
        state = "on" if rule.default_enabled else "off (strict)"
        summary = _what_it_flags(rule).replace("|", "\\|")
        lines.append(f"| [{code}]({code}.md) | `{rule.symbol}` ({rule.pylint_id}) | {state} | {summary} |")
    lines += [
        "",
        "Two more codes say that a file was not checked, whatever the selection: `E999` (the file",
        "does not parse) and `LFD999` / `lint-fd-internal-error` (F8999: lint_fd itself failed on",
        "the file; please report it). The run goes on with the other files.",
        "",
        "---",
        "",
        f"_This page is generated from the rule registry {GENERATED_MARK}._",
        "",
    ]
    return "\n".join(lines)


def pages() -> dict[str, str]:
    found = {f"{code}.md": render(rule) for code, rule in sorted(RULE_CLASSES.items())}
    found[INDEX] = render_index()
    return found


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_configuration() -> str:
    """``docs/configuration.md``: every setting, from :data:`lint_fd.settings.OPTIONS`."""
    from .settings import OPTIONS, TYPE_NAMES

    def default(option) -> str:
        value = option.default
        if isinstance(value, bool):
            return f"`{str(value).lower()}`"
        return "`[]`" if option.kind != "globs" else "`{}`"

    lines = [
        "# Configuration reference",
        "",
        "Every front end reads the same settings into one settings object; each spells them",
        "in its own configuration file. `lint-fd` reads `[tool.lint_fd]` in the nearest",
        "`pyproject.toml` that has that table, from the current folder upward (or the file",
        "given with `--config`; `--isolated` reads none), and its command-line options win",
        "over the file. `lint-fd --show-settings` prints the resolved settings and where each",
        "value came from.",
        "",
        "An unknown key or a wrong value stops the run with one line that names the file and",
        "the key (exit status 2 for `lint-fd` and flake8, 32 for pylint, as pylint does for its",
        "own configuration errors). Every key may also be written with underscores.",
        "",
        "## Settings",
        "",
        "| key | type | default | description |",
        "| --- | --- | --- | --- |",
    ]
    for option in OPTIONS:
        lines.append(f"| `{option.key}` | {TYPE_NAMES[option.kind]} | {default(option)} | {_cell(option.description)} |")
    lines += [
        "",
        "## Each front end's spelling",
        "",
        "| key | `lint-fd` | flake8 (`[flake8]` or command line) | pylint (`[tool.pylint.*]`, pylintrc or command line) |",
        "| --- | --- | --- | --- |",
    ]
    for option in OPTIONS:
        lines.append(f"| `{option.key}` | `{_cell(option.cli)}` | `{_cell(option.flake8)}` | `{_cell(option.pylint)}` |")
    lines += [
        "",
        "flake8 applies its own `--select`, `--ignore`, `--extend-select`, `--extend-ignore` and",
        "`--per-file-ignores` to lint_fd's codes, with the glob matching lint_fd uses; pylint",
        "chooses messages with `--enable` / `--disable` (symbols such as `resource-not-closed`,",
        "ids such as `W8101`, or a checker name such as `lint-fd-resources`) and has no",
        "per-file ignores of its own, hence `lfd-per-file-ignores`, in flake8's syntax",
        "(`\"tests/*:LFD101 conftest.py:LFD1\"`), with globs relative to the current folder.",
        "",
        "## Example",
        "",
        "```toml",
        "[tool.lint_fd]",
        *(option.example for option in OPTIONS),
        "```",
        "",
        "---",
        "",
        f"_This page is generated from `lint_fd/settings.py` (`OPTIONS`) {GENERATED_MARK};"
        " edit the table there, not this file._",
        "",
    ]
    return "\n".join(lines)


def problems(directory: Path = DEFAULT_DIR, config_page: Path | None = CONFIG_PAGE) -> list[str]:
    """Everything ``--check`` complains about; empty when the docs are current."""
    found = [
        f"{rule.__module__}.{rule.__name__} ({code}): docstring lacks {', '.join(missing)}"
        for code, rule in sorted(RULE_CLASSES.items())
        if (missing := missing_sections(rule))
    ]
    for name, text in pages().items():
        path = directory / name
        if not path.is_file():
            found.append(f"{path}: missing")
        elif path.read_text(encoding="utf-8") != text:
            found.append(f"{path}: stale")
    expected = set(pages())
    for path in sorted(directory.glob("*.md")) if directory.is_dir() else ():
        if path.name not in expected and GENERATED_MARK in path.read_text(encoding="utf-8"):
            found.append(f"{path}: generated page of a rule that no longer exists")
    if config_page is not None:
        if not config_page.is_file():
            found.append(f"{config_page}: missing")
        elif config_page.read_text(encoding="utf-8") != render_configuration():
            found.append(f"{config_page}: stale")
    return found


def write(directory: Path = DEFAULT_DIR, config_page: Path | None = CONFIG_PAGE) -> list[Path]:
    """Write every page (and drop generated pages of removed rules); return the changed files."""
    bad = [rule for rule in RULE_CLASSES.values() if missing_sections(rule)]
    if bad:
        raise SystemExit("\n".join(f"{r.code}: docstring lacks {', '.join(missing_sections(r))}" for r in bad))
    directory.mkdir(parents=True, exist_ok=True)
    changed = []
    expected = pages()
    for name, text in expected.items():
        path = directory / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8", newline="\n")
            changed.append(path)
    for path in sorted(directory.glob("*.md")):
        if path.name not in expected and GENERATED_MARK in path.read_text(encoding="utf-8"):
            path.unlink()
            changed.append(path)
    if config_page is not None:
        text = render_configuration()
        if not config_page.is_file() or config_page.read_text(encoding="utf-8") != text:
            config_page.write_text(text, encoding="utf-8", newline="\n")
            changed.append(config_page)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lint_fd.docs", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail (exit 1) if a page is missing or stale")
    parser.add_argument("--dir", type=Path, default=None,
                        help="write or check only the rule pages, in this folder (default: docs/rules, "
                        "and docs/configuration.md too)")
    args = parser.parse_args(argv)
    directory, config_page = (DEFAULT_DIR, CONFIG_PAGE) if args.dir is None else (args.dir, None)
    if args.check:
        found = problems(directory, config_page)
        for problem in found:
            print(problem, file=sys.stderr)
        if found:
            print("run `python -m lint_fd.docs` to regenerate the pages", file=sys.stderr)
        return 1 if found else 0
    for path in write(directory, config_page):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
