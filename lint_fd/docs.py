"""Generate ``docs/rules/<CODE>.md`` from the rule docstrings.

``python -m lint_fd.docs`` writes the pages; ``python -m lint_fd.docs --check``
exits 1 when a page is missing or stale, or a docstring lacks a section.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .fix.kinds import describe as describe_fix
from .rules import RULE_CLASSES

SECTIONS = ("## What it flags", "## Why it matters", "## Evidence", "## Example", "## Use instead")
DEFAULT_DIR = Path(__file__).resolve().parent.parent / "docs" / "rules"
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


def pages() -> dict[str, str]:
    return {f"{code}.md": render(rule) for code, rule in sorted(RULE_CLASSES.items())}


def problems(directory: Path = DEFAULT_DIR) -> list[str]:
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
    return found


def write(directory: Path = DEFAULT_DIR) -> list[Path]:
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
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lint_fd.docs", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail (exit 1) if a page is missing or stale")
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="output folder (default: docs/rules)")
    args = parser.parse_args(argv)
    if args.check:
        found = problems(args.dir)
        for problem in found:
            print(problem, file=sys.stderr)
        if found:
            print("run `python -m lint_fd.docs` to regenerate the rule pages", file=sys.stderr)
        return 1 if found else 0
    for path in write(args.dir):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
