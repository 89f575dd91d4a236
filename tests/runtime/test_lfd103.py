"""LFD103 resources-accumulated, measured with Pillow under a lowered limit.

``[Image.open(p) for p in paths]`` keeps one descriptor per image until the
list goes away. The probe lowers the soft ``RLIMIT_NOFILE`` of its own
subprocess to the descriptors already open + 50 and loads 200 PNGs.
"""
import pytest

from lint_fd.confirmations import BULK_IMAGES, FD_HEADROOM, LFD103_LIST

pytestmark = pytest.mark.runtime


def test_list_of_open_images_runs_out_of_descriptors(measure):
    """Hazard: ``OSError: [Errno 24] Too many open files`` raised inside
    Pillow's ``Image.open`` after 50 images were opened (the headroom: one
    descriptor per image), with the open data descriptors growing to at least 49 on the
    way (counted before each image; the last count is skipped once no
    descriptor is left for the counting itself). Every one of the opened
    images emits a ResourceWarning when the failed list is freed.

    Fixed (``with`` + ``convert``): all 200 images load under the same
    limit and at most 1 data descriptor was ever open between images.
    """
    hazard = measure(LFD103_LIST, "hazard")
    fixed = measure(LFD103_LIST, "fixed")

    assert hazard["images"] == fixed["images"] == BULK_IMAGES
    assert hazard["soft_limit"] == hazard["fds_open_before"] + FD_HEADROOM
    assert hazard["errno"] == 24
    assert "Too many open files" in hazard["error"]
    assert hazard["failed_in"].startswith("PIL/")
    opened = hazard["images_opened_before_error"]
    assert FD_HEADROOM - 3 <= opened <= FD_HEADROOM  # one descriptor per open image (50 measured)
    assert hazard["peak_data_fds"] >= opened - 1
    assert hazard["resource_warnings"] == opened
    assert hazard["fds_after"] == 0

    assert fixed["errno"] is None
    assert fixed["loaded"] == BULK_IMAGES
    assert fixed["peak_data_fds"] <= 1
    assert fixed["resource_warnings"] == 0


def test_lint_flags_the_hazard_and_not_the_fix(assert_lint_pair):
    """lint_fd (strict) reports LFD103 at the comprehension's ``Image.open``
    and nothing at all in the ``with`` + ``convert`` twin."""
    assert_lint_pair(LFD103_LIST)
