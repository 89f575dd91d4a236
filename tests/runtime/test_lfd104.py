"""LFD104 resource-temporary (strict mode), measured with Python and Pillow.

A resource that is never bound is closed by the garbage collector, not by
the program. On CPython that happens at the end of the statement (reference
counting), so no descriptor builds up: these tests measure that too. What
remains on CPython is the ResourceWarning; elsewhere (PyPy, a reference
cycle) the descriptor stays open until a collection, which is not measured
here.
"""
import pytest

from lint_fd.confirmations import LFD104_IMAGE_SIZE, LFD104_READ

pytestmark = pytest.mark.runtime


@pytest.mark.parametrize("case", [LFD104_READ, LFD104_IMAGE_SIZE], ids=lambda case: case.name)
def test_temporary_is_closed_by_the_collector_with_a_warning(case, measure):
    """The script runs one statement at a time.

    Hazard (``open("labels.txt").read()`` / ``Image.open("photo.png").size``):
    the statement that opens the temporary emits exactly 1
    ``ResourceWarning: unclosed file``, and right after it 0 descriptors
    into the data folder are open (CPython freed the temporary at once).
    Fixed (``with``): 0 warnings, 0 descriptors.
    """
    hazard = measure(case, "hazard")
    fixed = measure(case, "fixed")

    opening = next(step for step in hazard["steps"] if step["line"] == case.flagged_line())
    assert opening["resource_warnings"] == 1
    assert opening["warning"].startswith("unclosed file")
    assert opening["fds_after"] == 0
    assert hazard["resource_warnings"] == 1
    assert hazard["max_fds_after_a_statement"] == 0

    assert fixed["resource_warnings"] == 0
    assert fixed["max_fds_after_a_statement"] == 0


@pytest.mark.parametrize("case", [LFD104_READ, LFD104_IMAGE_SIZE], ids=lambda case: case.name)
def test_lint_flags_the_hazard_and_not_the_fix(case, assert_lint_pair):
    """lint_fd in strict mode reports LFD104 at the temporary's line and
    nothing at all in the ``with`` twin."""
    assert_lint_pair(case)
