"""The fixer's output, run for real: the hazard snippets of the runtime confirmations,
rewritten by ``fix_source``, no longer show the hazard they were measured for.

For the cases whose hand-written fixed twin the fixer reproduces exactly, the
confirmation tests already measure that text; the LFD101 and LFD302 rewrites are
also measured here on their own, in a fresh subprocess each.
"""
from __future__ import annotations

import dataclasses

import pytest

from lint_fd import confirmations
from lint_fd.fix import fix_source
from lint_fd.settings import Settings

pytestmark = pytest.mark.runtime

STRICT = Settings(strict=True)
FIXABLE = [case for case in confirmations.CASES.values() if case.library != "Keras" and case.code != "LFD103"]


def autofixed(case: confirmations.Case) -> confirmations.Case:
    """The case with its ``fixed`` snippet replaced by the fixer's rewrite of the hazard."""
    outcome = fix_source(case.hazard, STRICT)
    assert case.code in {d.code for d in outcome.fixed}, f"{case.id}: the fixer left {outcome.remaining}"
    return dataclasses.replace(case, name=f"{case.name}-autofixed", fixed=outcome.source)


@pytest.mark.parametrize("case", FIXABLE, ids=lambda case: case.id)
def test_fixer_rewrites_every_confirmed_hazard(case, lint):
    """Each Pillow/Python hazard is fixed, and lint_fd (strict) finds nothing in the result."""
    fixed = autofixed(case)
    assert lint(fixed.fixed) == []


@pytest.mark.parametrize("case", [c for c in FIXABLE if c.code in {"LFD101", "LFD102", "LFD104", "LFD301"}],
                         ids=lambda case: case.id)
def test_rewrite_is_the_hand_written_fix(case):
    """For these rules the rewrite is exactly the ``with`` twin the confirmation measures."""
    assert autofixed(case).fixed == case.fixed


@pytest.mark.parametrize("case", [c for c in FIXABLE if c.code in {"LFD101", "LFD302"} and c.expect_hazard],
                         ids=lambda case: case.id)
def test_fixed_snippet_holds_no_descriptor(case, measure):
    """Measured on the rewrite itself (variant ``autofixed``, made in the probe's subprocess):
    the hazard the rule was confirmed with is gone. LFD101: 0 descriptors into the data
    folder while the exception or the script's globals are kept, no ResourceWarning;
    LFD302: no descriptor held by the partly consumed generator."""
    hazard = measure(case, "hazard")
    result = measure(case, "autofixed")
    assert case.hazard_seen(hazard), f"{case.id}: the hazard itself was not seen: {hazard}"
    assert not case.hazard_seen(result), f"{case.id}: the fixed snippet still shows it: {result}"
    if case.id == "LFD101/stored-exception":
        assert result["fds_while_exception_kept"] == 0 and result["resource_warnings_error_path"] == 0
        assert result["raised"] == "ValueError" and result["size"] == hazard["size"]
    if case.id == "LFD101/long-lived-gif":
        assert result["fds_while_script_alive"] == 0 and result["resource_warnings_on_release"] == 0
