"""Every Python example in the docs reports exactly what its text says.

The examples are the ```` ```python ```` blocks of ``docs/**/*.md`` and
``README.md``. Each is linted as a whole module in strict mode (LFD104 on), as
the fixtures are. A line ending in ``# expect: LFD101`` (several:
``# expect: LFD101, LFD301``) must be reported there with exactly those codes,
and every other line must stay silent; a block without such a comment must be
clean. A block that is only a fragment (not meant to be linted on its own)
says so in its fence: ```` ```python no-lint ````. Keep those rare: every one
is counted below.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from lint_fd.api import check_source
from lint_fd.settings import Settings
from test_fixtures import parse_expectations

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "docs").rglob("*.md")) + [ROOT / "README.md"]
FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})(?P<info>[^`\n]*)$")
#: fragments allowed to skip linting, at most this many (raise it consciously)
MAX_UNLINTED = 3


@dataclass(frozen=True)
class Example:
    page: Path
    line: int  # 1-based line of the opening fence
    info: str
    source: str

    @property
    def id(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"

    @property
    def linted(self) -> bool:
        return "no-lint" not in self.info.split()[1:]


def code_blocks(text: str):
    """(line of the opening fence, info string, body) of every fenced block, indented ones included."""
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        match = FENCE.match(lines[index])
        if match is None:
            index += 1
            continue
        indent, fence, info = len(match["indent"]), match["fence"], match["info"].strip()
        body, end = [], index + 1
        while end < len(lines) and not lines[end].strip().startswith(fence[0] * len(fence)):
            body.append(lines[end][indent:] if lines[end][:indent].strip() == "" else lines[end])
            end += 1
        yield index + 1, info, "\n".join(body) + "\n"
        index = end + 1


def examples() -> list[Example]:
    found = []
    for page in PAGES:
        for line, info, body in code_blocks(page.read_text(encoding="utf-8")):
            if info.split()[:1] in (["python"], ["py"]):
                found.append(Example(page, line, info, body))
    return found


EXAMPLES = examples()


def test_the_docs_have_examples():
    assert len([e for e in EXAMPLES if e.linted]) >= 20
    assert {e.page.name for e in EXAMPLES} >= {"LFD101.md", "quickstart.md", "runtime-evidence.md"}


def test_unlinted_fragments_stay_rare():
    unlinted = [e.id for e in EXAMPLES if not e.linted]
    assert len(unlinted) <= MAX_UNLINTED, unlinted


@pytest.mark.parametrize("example", [e for e in EXAMPLES if e.linted], ids=lambda e: e.id)
def test_example_reports_what_the_text_says(example):
    expected = parse_expectations(example.source)
    found = {(d.line, d.code) for d in check_source(example.source, f"{example.id}.py", Settings(strict=True))}
    lines = example.source.splitlines()

    def show(pairs):
        return "".join(f"\n  line {n}: {code} | {lines[n - 1].strip() if 0 < n <= len(lines) else ''}"
                       for n, code in sorted(pairs))

    assert found == expected, (
        f"{example.id}: the example disagrees with lint_fd"
        + (f"\n missing:{show(expected - found)}" if expected - found else "")
        + (f"\n unexpected:{show(found - expected)}" if found - expected else "")
    )


def test_block_parser_handles_indented_fences_and_info_strings():
    text = "x\n```python no-lint\na = 1\n```\n- item\n\n  ```python\n  b = 2\n  ```\n```sh\nls\n```\n"
    assert list(code_blocks(text)) == [(2, "python no-lint", "a = 1\n"), (7, "python", "b = 2\n"),
                                       (10, "sh", "ls\n")]
