"""LFD101 resource-not-closed, measured with Pillow.

An image from ``Image.open`` is lazy: it keeps its file descriptor until
``close()``, until a single-frame image loads its pixels, or until the
object is freed. On CPython an image left open at the end of a function is
usually freed as the function returns, so these tests measure the
situations where something keeps it alive: a caught exception that the
caller keeps (its traceback holds the frame, the frame holds the image) and
a script's global (a multi-frame GIF keeps its file even after loading).
"""
import pytest

from lint_fd.confirmations import LFD101_LONG_LIVED, LFD101_STORED_EXCEPTION

pytestmark = pytest.mark.runtime


def test_stored_exception_keeps_the_image_open(measure):
    """``image_size()`` raises ValueError on a 4x4 PNG; the caller keeps the
    exception, as a loader that logs failures does.

    Hazard: 1 descriptor into the data folder stays open while the exception
    is kept, still 1 after ``gc.collect()``, 0 once it is dropped, and
    dropping it emits 1 ResourceWarning (Python, not the program, closed the
    file). Fixed (``with``): 0 descriptors and 0 warnings at the same points.

    The normal path shows why the rule looks further than one run: both
    versions hold 0 descriptors after a normal return (CPython frees the
    frame at once); the hazard version still emits 1 ResourceWarning there.
    """
    hazard = measure(LFD101_STORED_EXCEPTION, "hazard")
    fixed = measure(LFD101_STORED_EXCEPTION, "fixed")

    assert hazard["raised"] == fixed["raised"] == "ValueError"
    assert hazard["fds_while_exception_kept"] == 1
    assert hazard["fds_after_gc_collect"] == 1
    assert hazard["fds_after_exception_dropped"] == 0
    assert hazard["resource_warnings_error_path"] == 1

    assert fixed["fds_while_exception_kept"] == 0
    assert fixed["fds_after_gc_collect"] == 0
    assert fixed["resource_warnings_error_path"] == 0

    assert hazard["size"] == fixed["size"] == [32, 32]
    assert hazard["fds_after_normal_return"] == fixed["fds_after_normal_return"] == 0
    assert hazard["resource_warnings_normal_return"] == 1
    assert fixed["resource_warnings_normal_return"] == 0


def test_gif_in_a_script_global_stays_open_after_loading(measure):
    """A script opens a 3-frame GIF into a global, reads ``n_frames`` and
    converts the first frame (which loads its pixels).

    Hazard: after every statement from the ``Image.open`` on, 1 descriptor
    into the data folder is open, and it is still open when the script has
    finished and after ``gc.collect()`` (a multi-frame image keeps its file
    after ``load()``); dropping the globals closes it with 1
    ResourceWarning. Fixed (``with``): 0 descriptors once the script ran,
    0 warnings.
    """
    hazard = measure(LFD101_LONG_LIVED, "hazard")
    fixed = measure(LFD101_LONG_LIVED, "fixed")

    assert [step["fds_after"] for step in hazard["steps"]] == [0, 1, 1, 1]
    assert hazard["fds_while_script_alive"] == 1
    assert hazard["fds_after_gc_collect"] == 1
    assert hazard["fds_after_release"] == 0
    assert hazard["resource_warnings_on_release"] == 1

    assert fixed["fds_while_script_alive"] == 0
    assert fixed["resource_warnings_while_running"] == 0
    assert fixed["resource_warnings_on_release"] == 0


@pytest.mark.parametrize("case", [LFD101_STORED_EXCEPTION, LFD101_LONG_LIVED], ids=lambda case: case.name)
def test_lint_flags_the_hazard_and_not_the_fix(case, assert_lint_pair):
    """lint_fd (strict) reports LFD101 at the ``Image.open`` line of the
    hazard snippet and nothing at all in the ``with`` twin."""
    assert_lint_pair(case)
