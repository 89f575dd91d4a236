"""The kinds table: which data-stack calls open a resource, how each is released,
and what ``resource-factories`` entries with a release method (``name:method``) mean."""
from __future__ import annotations

import textwrap

import pytest

from lint_fd.analysis import kinds
from lint_fd.api import check_source
from lint_fd.settings import Settings


def findings(source: str, **settings) -> list[tuple[int, str]]:
    return [(d.line, d.code) for d in check_source(textwrap.dedent(source), settings=Settings(strict=True, **settings))]


@pytest.mark.parametrize(
    "imports, call, opens",
    [
        ("import numpy as np", 'np.load("train.npz")', True),
        ("import numpy as np", "np.load(root / 'train.npz')", True),
        ("import numpy as np", 'np.load(Path(root).with_suffix(".npz"))', True),
        ("import numpy as np", 'np.load("train.npy")', False),
        ("import numpy as np", "np.load(path)", False),  # nothing shows an archive
        ("from numpy import load", 'load(f"{stem}.npz")', True),
        ("import h5py", 'h5py.File(path, "r")', True),
        ("from h5py import File", "File(path)", True),
        ("import h5py, io", "h5py.File(io.BytesIO(blob))", False),
        ("import zipfile", "zipfile.ZipFile(path)", True),
        ("import zipfile, io", "zipfile.ZipFile(io.BytesIO(blob))", False),
        ("import tarfile", "tarfile.open(path)", True),
        ("import tarfile", "tarfile.open(fileobj=stream)", False),
        ("import tarfile", "tarfile.open(name=path, fileobj=stream)", False),  # the name only labels the stream
        ("import tarfile", "tarfile.open(path, fileobj=None)", True),
        ("import cv2", "cv2.VideoCapture(path)", True),
        ("import cv2", "cv2.VideoCapture()", False),
        ("import imageio.v3 as iio", 'iio.imopen(path, "r")', True),
        ("import imageio.v3 as iio", 'iio.imopen(path, "w")', False),  # measured: no descriptor until close
        ("import imageio", "imageio.get_writer(path)", False),
        ("import shelve", "shelve.open(path)", False),  # dbm.dumb: measured, no descriptor
        ("import gzip", "gzip.GzipFile(path)", True),
        ("import gzip, io", "gzip.GzipFile(fileobj=io.BytesIO(blob))", False),
        ("import tempfile", "tempfile.TemporaryFile()", True),
    ],
)
def test_which_calls_open_a_resource(imports, call, opens):
    source = f"""
        {imports}
        from pathlib import Path


        def use(path, root, stem, blob, stream):
            handle = {call}
            print(handle)
        """
    assert (findings(source) == [(7, "LFD101")]) is opens, findings(source)


def test_a_capture_is_released_by_release_not_close():
    released = """
        import cv2


        def first(path):
            cap = cv2.VideoCapture(path)
            try:
                return cap.read()
            finally:
                cap.release()
        """
    assert findings(released) == []
    never = released.replace("cap.release()", "print(cap)")
    assert findings(never) == [(6, "LFD101")]


def test_resource_factories_name_method_names_the_release():
    source = """
        import mylib


        def flush(path):
            store = mylib.open_store(path)
            try:
                store.put("k", 1)
            finally:
                store.shutdown()


        def peek(path):
            store = mylib.open_store(path)
            return store.fetch("k")
        """
    assert findings(source, resource_factories=("mylib.open_store:shutdown",)) == [(14, "LFD101")]
    # without the method, close() is the release: shutdown() releases nothing
    assert findings(source, resource_factories=("mylib.open_store",)) == [(6, "LFD101"), (14, "LFD101")]
    configured = Settings(resource_factories=("mylib.open_store:shutdown",))
    message = check_source(textwrap.dedent(source), settings=configured)
    assert 'call "res.shutdown()" in "finally"' in message[0].message


def test_parse_factory():
    assert kinds.parse_factory("mylib.open_store:shutdown") == ("mylib.open_store", "shutdown")
    assert kinds.parse_factory("mylib.open_store") == ("mylib.open_store", "close")


def test_the_prefilter_lets_every_opener_through():
    """Every opener's short name, as imported with ``from module import name``, passes the
    text prefilter (else the file would be skipped unread)."""
    for qualified in kinds.OPENERS:
        module, name = qualified.split(".", 1)[0], qualified.rsplit(".", 1)[-1]
        source = f"from {module} import {name}\nx = {name}(p)\n"
        if name == "load":
            source = f"import {module}\n{module}.load(p)\n"
        assert "open" in source or kinds.may_mention_opener(source), qualified


def test_every_kind_was_measured_at_runtime():
    """Each opener in the table has its runtime case (tests/runtime/test_stack.py)."""
    from lint_fd.confirmations import STACK_OPENERS

    measured = {o.open_expr.split("(")[0].replace("np.", "numpy.").replace("iio.", "imageio.v3.")
                for o in STACK_OPENERS}
    for qualified in kinds.OPENERS:
        short = qualified.replace("tarfile.TarFile.open", "tarfile.open").replace("tarfile.TarFile", "tarfile.open")
        short = short.replace("imageio.imopen", "imageio.v3.imopen").replace("imageio.v2.", "imageio.")
        short = short.replace("fileinput.input", "fileinput.FileInput")
        assert short in measured, qualified


def test_a_mapping_use_of_another_value_of_the_same_name_says_nothing():
    """``data`` is also bound to a JSON dict: ``data["k"]`` may be that dict, not the archive."""
    source = """
        import json

        import numpy as np


        def use(path, meta):
            data = np.load(path)
            total = data.sum()
            with open(meta) as f:
                data = json.load(f)
            return total, data["k"]
        """
    assert findings(source) == []
    assert findings(source.replace("data = json.load(f)", "info = json.load(f)")) == [(8, "LFD101")]
