"""The rest of the ML data stack: which openers hold a descriptor until released.

One case per opener of lint_fd's kinds table (``lint_fd/analysis/kinds.py``)
and per opener measured to hold none (``flagged=False``), all run in one
subprocess (:func:`lint_fd.confirmations.probe_stack`): the snippet's
``load_all`` keeps one object per file for ``STACK_FILES`` files under a soft
``RLIMIT_NOFILE`` lowered to the descriptors already open + ``STACK_HEADROOM``;
the data descriptors are counted in ``/proc/self/fd`` before each path is
handed out (for imageio's video readers and writers, which hold pipes to an
ffmpeg process, every descriptor opened past the baseline). The fixed twin releases each object (``with``, or ``release()`` in
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
#: openers whose descriptors are pipes to an ffmpeg subprocess: how many each object holds
PIPES_PER_OBJECT = {"imageio-get_writer-ffmpeg": 2, "imageio-get_reader-ffmpeg": 3}


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
        elif case.name in PIPES_PER_OBJECT:
            # each kept object holds its pipes; starting one more ffmpeg needs a few spare descriptors
            per_object = PIPES_PER_OBJECT[case.name]
            assert STACK_HEADROOM // per_object - 4 <= opened <= STACK_HEADROOM // per_object + 1, opened
            assert hazard["peak_data_fds"] >= per_object * (opened - 1)
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


VIDEO_WRITER_PROBE = r"""
import json, os, sys, warnings
import imageio
import numpy as np

warnings.simplefilter("ignore")
folder, suffixes = sys.argv[1], sys.argv[2].split(",")


def fds():
    return len(os.listdir("/proc/self/fd"))


measured = {}
formats = [(f"format={f}", ".mp4", {"format": f}) for f in sys.argv[3].split(",")]
for label, suffix, kwargs in [(s, s, {}) for s in suffixes] + formats:
    before = fds()
    writer = imageio.get_writer(os.path.join(folder, "clip" + suffix), **kwargs)
    opened = fds() - before
    writer.append_data(np.zeros((16, 16, 3), np.uint8))
    held = fds() - before
    writer.close()
    measured[label] = {"plugin": type(writer).__module__, "opened": opened, "held": held, "after": fds() - before}
print(json.dumps(measured))
"""


def test_every_video_suffix_lint_fd_knows_goes_through_ffmpeg_and_holds_pipes(tmp_path):
    """Each suffix in ``kinds.VIDEO_SUFFIXES`` (and each ``format=`` in ``kinds.VIDEO_FORMATS``) gives imageio's FFMPEG
    writer, which holds nothing until the first frame, then two pipes to ffmpeg until close()."""
    import json
    import subprocess
    import sys

    from lint_fd.analysis.kinds import VIDEO_FORMATS, VIDEO_SUFFIXES

    formats = sorted({*VIDEO_FORMATS, "FFMPEG", ".mp4", "MP4"})  # as written in code: any case, a leading dot
    out = subprocess.run([sys.executable, "-c", VIDEO_WRITER_PROBE, str(tmp_path), ",".join(VIDEO_SUFFIXES),
                          ",".join(formats)], capture_output=True, text=True, timeout=300, check=True)
    measured = json.loads(out.stdout)
    assert set(measured) == {*VIDEO_SUFFIXES, *(f"format={f}" for f in formats)}
    for label, result in measured.items():
        assert result["plugin"] == "imageio.plugins.ffmpeg", label
        assert result["opened"] == 0 and result["held"] == 2 and result["after"] == 0, (label, result)
