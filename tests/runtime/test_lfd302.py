"""LFD302 generator-not-closed, measured with plain Python files.

``read_records`` holds its file (inside a ``with``) across each ``yield``.
A generator object taken part-way and not closed keeps the file open for as
long as the generator is referenced: in a script or notebook, a global is
referenced until the end. A temporary generator is another matter on
CPython, and the second test measures that too.
"""
import pytest

from lint_fd.confirmations import LFD302_NEXT, LFD302_TEMPORARY

pytestmark = pytest.mark.runtime


def test_generator_in_a_script_global_keeps_its_file_open(measure):
    """The script runs one statement at a time and its globals stay alive.

    Hazard (``records = read_records(...)``, ``header = next(records)``):
    0 descriptors after creating the generator (it has not started), 1 after
    ``next()``, still 1 once the script ran and after ``gc.collect()``, 0
    after ``records.close()`` (no ResourceWarning: the ``with`` inside the
    generator closes the file when the generator is closed).
    Fixed (``with contextlib.closing(...)``): 0 descriptors after the script.
    """
    hazard = measure(LFD302_NEXT, "hazard")
    fixed = measure(LFD302_NEXT, "fixed")

    assert [step["fds_after"] for step in hazard["steps"]][-2:] == [0, 1]
    assert hazard["fds_while_script_alive"] == 1
    assert hazard["fds_after_gc_collect"] == 1
    assert hazard["fds_after_records_close"] == 0
    assert hazard["resource_warnings_on_close"] == 0

    assert fixed["fds_while_script_alive"] == 0
    assert fixed["fds_after_gc_collect"] == 0


def test_temporary_generator_is_freed_at_once_on_cpython(measure):
    """``for record in read_records(...): ... break`` on a temporary
    generator: right after the loop 0 descriptors are open, in the hazard
    version as in the ``closing`` twin, and no ResourceWarning. CPython
    frees the unreferenced generator as the loop ends, which runs its
    ``with`` and closes the file. The contract still flags this shape
    (partial consumption without a close): the rule's documentation must
    say that on CPython this case is released at once.
    """
    hazard = measure(LFD302_TEMPORARY, "hazard")
    fixed = measure(LFD302_TEMPORARY, "fixed")

    for result in (hazard, fixed):
        assert result["max_fds_after_a_statement"] == 0
        assert result["resource_warnings"] == 0
    assert LFD302_TEMPORARY.expect_hazard is False


@pytest.mark.parametrize("case", [LFD302_NEXT, LFD302_TEMPORARY], ids=lambda case: case.name)
def test_lint_flags_the_hazard_and_not_the_fix(case, assert_lint_pair):
    """lint_fd (strict) reports LFD302 at the call that creates the
    generator object and nothing at all in the ``contextlib.closing`` twin."""
    assert_lint_pair(case)
