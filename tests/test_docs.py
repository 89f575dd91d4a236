"""The rule docs are generated and current, and the registry matches the public contract."""
from __future__ import annotations

import subprocess
import sys

import pytest

from lint_fd import docs
from lint_fd.diagnostics import RULES
from lint_fd.rules import RULE_CLASSES

# The rule contract (codes, pylint symbols and ids, default state), written out
# here on purpose: users put these names in configs and pragmas, so changing one
# must fail a test and go through an issue, not slip in with a refactoring.
CONTRACT = {
    "LFD101": ("resource-not-closed", "W8101", True),
    "LFD102": ("resource-not-closed-on-error", "W8102", True),
    "LFD103": ("resources-accumulated", "W8103", True),
    "LFD104": ("resource-temporary", "W8104", False),
    "LFD201": ("keras-iterator-close", "E8201", True),
    "LFD202": ("keras-iterator-unbounded-loop", "W8202", True),
    "LFD301": ("generator-resource-unprotected", "W8301", True),
    "LFD302": ("generator-not-closed", "W8302", True),
    "LFD999": ("lint-fd-internal-error", "F8999", True),
}


def test_registry_matches_contract():
    actual = {code: (i.symbol, i.pylint_id, i.default_enabled) for code, i in RULES.items()}
    assert actual == CONTRACT


def test_every_rule_has_a_documented_class():
    assert set(RULE_CLASSES) == set(CONTRACT) - {"LFD999"}


@pytest.mark.parametrize("code", sorted(RULES))
def test_pylint_id_digits_follow_the_code(code):
    pylint_id = RULES[code].pylint_id
    assert pylint_id[1] == "8" and pylint_id[2:] == code[3:], (code, pylint_id)


@pytest.mark.parametrize("code", sorted(RULE_CLASSES))
def test_docstring_has_every_section(code):
    assert docs.missing_sections(RULE_CLASSES[code]) == []


@pytest.mark.parametrize("code", sorted(RULE_CLASSES))
def test_page_is_current(code):
    path = docs.DEFAULT_DIR / f"{code}.md"
    assert path.is_file(), f"{path} is missing: run `python -m lint_fd.docs`"
    assert path.read_text(encoding="utf-8") == docs.render(RULE_CLASSES[code]), (
        f"{path} is stale: run `python -m lint_fd.docs`"
    )


def test_page_title_and_footer():
    page = docs.render(RULE_CLASSES["LFD101"])
    assert page.splitlines()[0] == "# LFD101 — resource-not-closed (pylint W8101)"
    assert "lint_fd/rules/resource_lifetime.py" in page.splitlines()[-1]
    assert "Default: off" in docs.render(RULE_CLASSES["LFD104"])


def test_check_mode_exit_status(tmp_path):
    run = [sys.executable, "-m", "lint_fd.docs", "--dir", str(tmp_path)]
    assert subprocess.run([*run, "--check"], capture_output=True).returncode == 1  # missing pages
    assert subprocess.run(run, capture_output=True).returncode == 0
    assert subprocess.run([*run, "--check"], capture_output=True).returncode == 0
    (tmp_path / "LFD101.md").write_text("old\n", encoding="utf-8")
    result = subprocess.run([*run, "--check"], capture_output=True, text=True)
    assert result.returncode == 1 and "LFD101.md: stale" in result.stderr


def test_missing_section_is_detected():
    class Undocumented:
        code = "LFD000"

        @classmethod
        def documentation(cls):
            return "## What it flags\n\nx\n\n## Example\n\ny\n"

    assert docs.missing_sections(Undocumented) == ["## Why it matters", "## Evidence", "## Use instead"]


def test_configuration_reference_is_current():
    """docs/configuration.md is generated from lint_fd.settings.OPTIONS, the one definition of the settings."""
    assert docs.CONFIG_PAGE.is_file(), "docs/configuration.md is missing: run `python -m lint_fd.docs`"
    assert docs.CONFIG_PAGE.read_text(encoding="utf-8") == docs.render_configuration(), (
        "docs/configuration.md is stale: run `python -m lint_fd.docs`"
    )


def test_configuration_reference_lists_every_setting():
    from dataclasses import fields

    from lint_fd.settings import OPTIONS, Settings

    page = docs.render_configuration()
    assert {option.field for option in OPTIONS} == {f.name for f in fields(Settings)}
    for option in OPTIONS:
        assert f"| `{option.key}` |" in page and option.description in page


def test_rule_index_is_current():
    path = docs.DEFAULT_DIR / docs.INDEX
    assert path.read_text(encoding="utf-8") == docs.render_index(), "run `python -m lint_fd.docs`"
    for code in RULE_CLASSES:
        assert f"[{code}]({code}.md)" in docs.render_index()
