"""LFD301 generator-resource-unprotected, measured with plain Python files.

``read_records`` opens a file and yields one parsed JSON line at a time; the
hazard version closes the file with a plain ``f.close()`` after the loop,
which never runs when the consumer stops early or a line fails to parse.
The consumers are in the harness, not in the linted snippet.
"""
import pytest

from lint_fd.confirmations import LFD301_READ_RECORDS

pytestmark = pytest.mark.runtime


def test_generator_closed_early_leaves_the_file_to_the_collector(measure):
    """Take one record and keep the generator: 1 descriptor into the data
    folder is open in both versions (still 1 after ``gc.collect()``): a
    suspended generator holds its file either way, which is LFD302's
    business.

    ``gen.close()``: both end with 0 descriptors, but the hazard version
    emits 1 ResourceWarning (its ``f.close()`` never ran; reference counting
    closed the file), the ``with`` version none.
    """
    hazard = measure(LFD301_READ_RECORDS, "hazard")
    fixed = measure(LFD301_READ_RECORDS, "fixed")

    for result in (hazard, fixed):
        assert result["first"] == {"id": 0, "label": "cats"}
        assert result["fds_while_suspended"] == 1
        assert result["fds_while_suspended_after_gc"] == 1
        assert result["fds_after_close"] == 0

    assert hazard["resource_warnings_on_close"] == 1
    assert fixed["resource_warnings_on_close"] == 0


def test_parse_error_inside_the_generator_keeps_the_file_open(measure):
    """Line 2 of ``bad_records.jsonl`` is not JSON: ``json.loads`` raises
    inside the generator and the consumer keeps the exception.

    Hazard: the traceback holds the generator's frame and with it the file:
    1 descriptor open while the exception is kept, 0 once dropped, with 1
    ResourceWarning. Fixed (``with``): the ``with`` closed the file as the
    exception left it: 0 descriptors, 0 warnings.
    """
    hazard = measure(LFD301_READ_RECORDS, "hazard")
    fixed = measure(LFD301_READ_RECORDS, "fixed")

    assert hazard["raised"] == fixed["raised"] == "JSONDecodeError"
    assert hazard["fds_while_exception_kept"] == 1
    assert hazard["fds_after_exception_dropped"] == 0
    assert hazard["resource_warnings_error_path"] == 1

    assert fixed["fds_while_exception_kept"] == 0
    assert fixed["resource_warnings_error_path"] == 0


def test_lint_flags_the_hazard_and_not_the_fix(assert_lint_pair):
    """lint_fd (strict) reports LFD301 at the ``open`` inside the generator
    and nothing at all in the ``with`` twin (which has no consumer, so no
    LFD302 either)."""
    assert_lint_pair(LFD301_READ_RECORDS)
