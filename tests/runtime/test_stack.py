"""The rest of the ML data stack: which openers hold a descriptor until released.

One case per opener of lint_fd's kinds table (``lint_fd/analysis/kinds.py``)
and per opener measured to hold none (``flagged=False``), all run in one
subprocess (:func:`lint_fd.confirmations.probe_stack`): the snippet's
``load_all`` keeps one object per file for ``STACK_FILES`` files under a soft
``RLIMIT_NOFILE`` lowered to the descriptors already open + ``STACK_HEADROOM``;
the data descriptors are counted in ``/proc/self/fd`` before each path is
handed out. The fixed twin releases each object (``with``, or ``release()`` in
``finally`` for OpenCV, which has no context manager) before the next.
"""
import pytest

from lint_fd.confirmations import STACK_CASES, STACK_FILES, STACK_HEADROOM

pytestmark = pytest.mark.runtime

FLAGGED = [case for case in STACK_CASES.values() if case.flagged]
NOT_FLAGGED = [case for case in STACK_CASES.values() if not case.flagged]

#: how each opener fails once the limit is reached (default: OSError errno 24 from the open)
FAILURE = {
    "soundfile-SoundFile": "LibsndfileError",  # libsndfile reports "System error", no errno
    "cv2-VideoCapture": "silent",  # OpenCV does not raise: the capture is not opened
    "cv2-VideoWriter": "silent",
    "fileinput-FileInput": "at read",  # opens its file at the first read, after all were made
}


@pytest.mark.parametrize("case", FLAGGED, ids=lambda case: case.name)
def test_each_object_holds_one_descriptor_until_released(case, group_measure):
    """Hazard: one data descriptor per kept object, until the limit stops the loader:
    ``OSError: [Errno 24] Too many open files`` after ``STACK_HEADROOM`` (give or take
    the descriptors a library opens for itself) objects, the peak data fds growing with
    them; h5py's OSError carries errno 24 too, libsndfile raises its own error, OpenCV
    raises nothing but leaves every capture/writer past the limit unopened. Nothing is
    left open once the loader's objects are freed.

    Fixed: every file loads under the same limit with at most 1 data descriptor open
    at a time and 0 afterwards."""
    hazard = group_measure(case, "hazard")
    fixed = group_measure(case, "fixed")
    failure = FAILURE.get(case.name, "errno")

    if failure == "silent":
        assert hazard["error"] is None
        assert hazard["failed_opens"] == STACK_FILES - hazard["peak_data_fds"] - 1
        assert STACK_HEADROOM - 3 <= hazard["peak_data_fds"] + 1 <= STACK_HEADROOM
    else:
        if failure == "LibsndfileError":
            assert hazard["error"].startswith("LibsndfileError: Error opening"), hazard["error"]
        else:
            assert hazard["errno"] == 24, hazard["error"]
        opened = hazard["opened_before_error"]
        if failure == "at read":
            assert opened == STACK_FILES - 1  # all made, none open yet
            assert hazard["peak_data_fds"] == 0
        else:
            assert STACK_HEADROOM - 3 <= opened <= STACK_HEADROOM
            assert hazard["peak_data_fds"] >= opened - 1
    assert hazard["fds_after"] == 0

    assert fixed["error"] is None
    assert fixed["loaded"] == STACK_FILES
    assert not fixed["failed_opens"]
    assert fixed["peak_data_fds"] <= 1
    assert fixed["fds_after"] == 0


@pytest.mark.parametrize("case", NOT_FLAGGED, ids=lambda case: case.name)
def test_openers_lint_fd_does_not_flag(case, group_measure):
    """``np.load`` of a ``.npy``, ``shelve.open`` and ``dbm.open`` (dbm.dumb here) and imageio's writer hold
    0 data descriptors however many are kept. ``np.load(..., mmap_mode="r")`` does hold
    one per memmap (EMFILE in the hazard), but a memmap has no ``close()``: lint_fd has
    nothing to ask for and does not flag it (documented in the kinds table)."""
    hazard = group_measure(case, "hazard")
    fixed = group_measure(case, "fixed")

    if case.name == "npy-mmap":
        assert hazard["errno"] == 24
        assert hazard["peak_data_fds"] >= hazard["opened_before_error"] - 1 >= STACK_HEADROOM - 4
    else:
        assert hazard["error"] is None and hazard["loaded"] == STACK_FILES
        assert hazard["peak_data_fds"] == 0
    assert fixed["error"] is None and fixed["peak_data_fds"] <= 1 and fixed["fds_after"] == 0


@pytest.mark.parametrize("case", FLAGGED, ids=lambda case: case.name)
def test_lint_flags_the_hazard_and_not_the_fix(case, assert_lint_pair):
    """lint_fd (strict) reports LFD103 at the opener in the hazard snippet and nothing in
    the fixed twin."""
    assert_lint_pair(case)


@pytest.mark.parametrize("case", NOT_FLAGGED, ids=lambda case: case.name)
def test_lint_is_silent_on_openers_that_hold_nothing_to_release(case, lint):
    assert lint(case.hazard) == []
    assert lint(case.fixed) == []
