"""LFD102 resource-not-closed-on-error, measured with Pillow.

``load_pixels()`` closes the image on its normal path, but ``check_rgb``
raises between the open and the close. A 3-frame GIF is used because Pillow
keeps a multi-frame file open even after ``np.asarray`` loaded the pixels
(a single-frame PNG closes its file when it loads), so the open image is
still holding its descriptor when the check fails.
"""
import pytest

from lint_fd.confirmations import LFD102_CHECK_RAISES

pytestmark = pytest.mark.runtime


def test_error_before_close_keeps_the_image_open(measure):
    """A loader calls ``load_pixels`` on ``photo.png`` (loads) and on
    ``anim.gif`` (palette mode, 2-D pixels: the RGB check raises) and keeps
    ``(name, error)`` for a report.

    Hazard: 1 descriptor into the data folder stays open while the failure
    list is kept (still 1 after ``gc.collect()``), 0 once it is cleared, with
    1 ResourceWarning. Fixed (``with``): the same file fails the same way,
    but 0 descriptors are held and 0 warnings are emitted.
    """
    hazard = measure(LFD102_CHECK_RAISES, "hazard")
    fixed = measure(LFD102_CHECK_RAISES, "fixed")

    for result in (hazard, fixed):
        assert result["loaded"] == 1
        assert result["failed"] == ["anim.gif"]

    assert hazard["fds_while_failures_kept"] == 1
    assert hazard["fds_after_gc_collect"] == 1
    assert hazard["fds_after_failures_dropped"] == 0
    assert hazard["resource_warnings"] == 1

    assert fixed["fds_while_failures_kept"] == 0
    assert fixed["fds_after_failures_dropped"] == 0
    assert fixed["resource_warnings"] == 0


def test_lint_flags_the_hazard_and_not_the_fix(assert_lint_pair):
    """lint_fd (strict) reports LFD102 at the ``Image.open`` line (every
    normal path closes, an exception skips the close) and nothing at all in
    the ``with`` twin."""
    assert_lint_pair(LFD102_CHECK_RAISES)
