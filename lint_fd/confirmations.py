"""Runtime confirmations: every rule's hazard, measured with the real libraries.

Each :class:`Case` pairs a *hazard* snippet (code a rule flags) with its
*fixed twin* (the same code written the way the rule asks, clean under every
rule in strict mode). A *probe* runs one snippet in a fresh Python
subprocess (``python -X dev``) against small data made by :func:`make_data`
and measures what really happens:

* descriptors whose ``/proc/self/fd`` link points into the data folder
  ("data fds"; ``psutil`` where there is no ``/proc``),
* ``ResourceWarning``\\ s, recorded with ``warnings.catch_warnings(record=True)``
  and ``simplefilter("always")`` around each step,
* the exception that propagates (``AttributeError`` from a Keras ``close()``),
* how many batches a ``for`` loop pulls from a Keras iterator before the
  harness stops it at three times ``len(it)``,
* ``OSError`` errno 24 (``EMFILE``) under a lowered soft ``RLIMIT_NOFILE``.

``tests/runtime`` asserts these numbers and that lint_fd flags each hazard
snippet and nothing in its twin; ``lint-fd confirm`` (:mod:`lint_fd.confirm`)
repeats the measurements on the installed versions and prints them.

Importing this module imports neither Pillow nor TensorFlow: they are
imported inside the probe functions, which run only in the subprocesses
started by :func:`run_jobs` (and inside :func:`make_data`).
"""
from __future__ import annotations

import argparse
import ast
import gc
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

# ---------------------------------------------------------------------------
# Test data
# ---------------------------------------------------------------------------

#: Images per class in ``classes/`` (two classes): 80 images, so with
#: ``BATCH_SIZE`` 8 a Keras iterator has ``len(it) == 10`` batches.
IMAGES_PER_CLASS = 40
CLASSES = ("cats", "dogs")
BATCH_SIZE = 8
#: Small PNGs in ``bulk/`` for the "too many open files" measurement.
BULK_IMAGES = 200
#: LFD103 lowers the soft RLIMIT_NOFILE to (descriptors open now + this).
FD_HEADROOM = 50
#: The harness stops an iterator ``for`` loop after this many times ``len(it)``.
LOOP_BOUND_FACTOR = 3
#: Epochs in the LFD202 snippets.
EPOCHS = 2


def make_data(root: str | os.PathLike) -> Path:
    """Write the measurement data under ``root`` and return it as a ``Path``.

    * ``classes/{cats,dogs}/*.png``: 80 RGB PNGs, 32x32 (Keras iterators);
    * ``bulk/*.png``: 200 RGB PNGs, 8x8 (descriptor exhaustion);
    * ``photo.png`` (32x32) and ``small.png`` (4x4);
    * ``anim.gif``: a 3-frame GIF (Pillow keeps its file open after ``load()``);
    * ``records.jsonl`` (5 JSON lines), ``bad_records.jsonl`` (line 2 is not JSON);
    * ``labels.txt``.
    """
    from PIL import Image  # only here, and in the probes

    root = Path(root)
    for index in range(IMAGES_PER_CLASS * len(CLASSES)):
        label = CLASSES[index % len(CLASSES)]
        folder = root / "classes" / label
        folder.mkdir(parents=True, exist_ok=True)
        colour = ((index * 7) % 256, (index * 13) % 256, 255 - index)
        Image.new("RGB", (32, 32), colour).save(folder / f"{label}_{index:03d}.png")
    (root / "bulk").mkdir(parents=True, exist_ok=True)
    for index in range(BULK_IMAGES):
        Image.new("RGB", (8, 8), (index % 256, 0, 0)).save(root / "bulk" / f"img_{index:03d}.png")
    Image.new("RGB", (32, 32), (10, 120, 200)).save(root / "photo.png")
    Image.new("RGB", (4, 4), (200, 120, 10)).save(root / "small.png")
    frames = [Image.new("P", (16, 16), colour) for colour in (1, 2, 3)]
    for frame in frames:
        frame.putpalette([0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255] + [0] * (256 * 3 - 12))
    frames[0].save(root / "anim.gif", save_all=True, append_images=frames[1:], duration=100, loop=0)
    with Image.open(root / "anim.gif") as check:
        assert check.n_frames == 3, check.n_frames
    records = [{"id": index, "label": CLASSES[index % 2]} for index in range(5)]
    (root / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    (root / "bad_records.jsonl").write_text(json.dumps(records[0]) + "\n{not json\n" + json.dumps(records[1]) + "\n")
    (root / "labels.txt").write_text("".join(label + "\n" for label in CLASSES))
    return root


# ---------------------------------------------------------------------------
# Measuring (these run inside the subprocess)
# ---------------------------------------------------------------------------


def data_fds(data: str | os.PathLike) -> int:
    """Number of this process's descriptors that point into ``data``."""
    prefix = os.path.realpath(data) + os.sep
    fd_dir = "/proc/self/fd"
    if os.path.isdir(fd_dir):
        count = 0
        for name in os.listdir(fd_dir):
            try:
                target = os.readlink(os.path.join(fd_dir, name))
            except OSError:
                continue
            count += target.startswith(prefix)
        return count
    import psutil

    return sum(os.path.realpath(f.path).startswith(prefix) for f in psutil.Process().open_files())


def all_fds() -> int:
    """Number of descriptors this process has open (all of them)."""
    if os.path.isdir("/proc/self/fd"):
        return len(os.listdir("/proc/self/fd")) - 1  # minus the one listdir used
    import psutil

    return psutil.Process().num_fds()


class ResourceWarnings:
    """Record the ``ResourceWarning``\\ s emitted inside a ``with`` block.

    ``rw.count`` and ``rw.messages`` are filled when the block ends.
    """

    def __enter__(self) -> "ResourceWarnings":
        self._catcher = warnings.catch_warnings(record=True)
        self._caught = self._catcher.__enter__()
        warnings.simplefilter("always")
        return self

    def __exit__(self, *exc_info: object) -> bool:
        self._catcher.__exit__(*exc_info)
        self.messages = [str(w.message)[:160] for w in self._caught if issubclass(w.category, ResourceWarning)]
        self.count = len(self.messages)
        return False


@dataclass
class Snippet:
    """One snippet written to a file, so tracebacks and warnings name it."""

    source: str
    path: Path
    data: Path
    keras_module: str | None = None
    params: tuple = ()

    def load(self) -> Any:
        """Execute the snippet as a fresh module and return the module."""
        name = "lfd_snippet_" + self.path.stem
        spec = importlib.util.spec_from_file_location(name, self.path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    def run_statements(self) -> tuple[dict, list[dict]]:
        """Execute a script snippet one top-level statement at a time.

        Returns the namespace (still alive, like a script's globals) and, for
        each statement, its first line, the data fds right after it and the
        ResourceWarnings emitted while it ran.
        """
        namespace: dict = {"__name__": "__main__", "__file__": str(self.path)}
        steps = []
        tree = ast.parse(self.source, str(self.path))
        lines = self.source.splitlines()
        for statement in tree.body:
            code = compile(ast.Module(body=[statement], type_ignores=[]), str(self.path), "exec")
            with ResourceWarnings() as rw:
                exec(code, namespace)
            steps.append(
                {
                    "line": statement.lineno,
                    "statement": lines[statement.lineno - 1].strip(),
                    "fds_after": data_fds(self.data),
                    "resource_warnings": rw.count,
                    "warning": rw.messages[0] if rw.messages else None,
                }
            )
        return namespace, steps

    def release(self, namespace: dict) -> dict:
        """Drop a script's globals (as at interpreter exit) and measure."""
        with ResourceWarnings() as rw:
            namespace.clear()
            fds = data_fds(self.data)
        return {"fds_after_release": fds, "resource_warnings_on_release": rw.count}


# ---------------------------------------------------------------------------
# The cases
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A rule's hazard snippet, its fixed twin and how to measure them.

    ``hazard_seen(result)`` says whether a probe result shows the hazard;
    ``describe(result)`` says what was measured, with the numbers.
    ``expect_hazard`` is False for a hazard snippet that the rule flags on
    purpose although CPython's reference counting hides it (documented, not
    a confirmation).
    """

    code: str
    name: str
    library: str  # "Pillow", "Python" or "Keras"
    measures: str
    hazard: str
    fixed: str
    probe: Callable[..., dict]
    hazard_seen: Callable[[dict], bool]
    describe: Callable[[dict], str]
    flagged_at: str = ""
    also_flagged: tuple[str, ...] = ()  #: other codes the contract reports on the flagged line
    expect_hazard: bool = True
    note: str = ""
    params: tuple = field(default=())
    #: cases of one group run together in one subprocess (``run_jobs``)
    group: str = ""
    #: False for a measured opener that lint_fd does not flag (no descriptor, or nothing to release)
    flagged: bool = True

    @property
    def id(self) -> str:
        return f"{self.code}/{self.name}"

    def flagged_line(self, keras_module: str | None = None) -> int:
        """The hazard snippet's line where the contract reports ``code``:
        the first line containing ``flagged_at``."""
        for number, line in enumerate(self.source("hazard", keras_module).splitlines(), 1):
            if self.flagged_at in line:
                return number
        raise ValueError(f"{self.id}: {self.flagged_at!r} is not in the hazard snippet")

    def annotated_hazard(self, keras_module: str | None = None) -> str:
        """The hazard source with ``# expect: CODE`` on the flagged line (the docs' convention);
        unmarked for an opener measured to hold nothing, which lint_fd does not flag."""
        if not self.flagged:
            return self.source("hazard", keras_module)
        lines = self.source("hazard", keras_module).splitlines()
        number = self.flagged_line(keras_module)
        codes = ", ".join(sorted({self.code, *self.also_flagged}))
        lines[number - 1] += f"  # expect: {codes}"
        return "\n".join(lines) + "\n"

    def source(self, variant: str, keras_module: str | None = None) -> str:
        """The ``"hazard"`` or ``"fixed"`` source, for a Keras implementation; ``"autofixed"``
        is the hazard as ``lint-fd --fix`` (strict) rewrites it (tests/runtime/test_fix_runtime.py)."""
        if variant == "autofixed":
            from .fix import fix_source
            from .settings import Settings

            return fix_source(self.source("hazard", keras_module), Settings(strict=True)).source
        text = {"hazard": self.hazard, "fixed": self.fixed}[variant]
        if keras_module is not None and self.library == "Keras":
            text = text.replace(DEFAULT_KERAS_MODULE, keras_module)
        return text


CASES: dict[str, Case] = {}


def _case(**fields: Any) -> Case:
    fields["hazard"] = textwrap.dedent(fields["hazard"]).lstrip("\n")
    fields["fixed"] = textwrap.dedent(fields["fixed"]).lstrip("\n")
    case = Case(**fields)
    CASES[case.id] = case
    return case


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


# --- LFD101 resource-not-closed ---------------------------------------------


def probe_lfd101_stored_exception(snippet: Snippet) -> dict:
    """Call ``image_size`` on a large image (normal return) and on a 4x4 one
    (it raises), keeping the caught exception as a caller that logs or
    re-raises later would."""
    module = snippet.load()
    data = snippet.data
    result: dict = {}
    with ResourceWarnings() as rw:
        result["size"] = list(module.image_size(str(data / "photo.png")))
        result["fds_after_normal_return"] = data_fds(data)
    result["resource_warnings_normal_return"] = rw.count
    with ResourceWarnings() as rw:
        saved = None
        try:
            module.image_size(str(data / "small.png"))
        except ValueError as error:
            saved = error
        result["raised"] = type(saved).__name__
        result["fds_while_exception_kept"] = data_fds(data)
        gc.collect()
        result["fds_after_gc_collect"] = data_fds(data)
        saved = None
        result["fds_after_exception_dropped"] = data_fds(data)
    result["resource_warnings_error_path"] = rw.count
    return result


LFD101_STORED_EXCEPTION = _case(
    code="LFD101",
    name="stored-exception",
    flagged_at="img = Image.open(path)",
    library="Pillow",
    measures=(
        "image_size() raises on a 4x4 PNG and the caller keeps the exception: "
        "data fds while it is kept, ResourceWarnings when it is dropped"
    ),
    hazard='''
        from PIL import Image


        def image_size(path):
            img = Image.open(path)
            if img.width < 8:
                raise ValueError("too small")
            return img.size
        ''',
    fixed='''
        from PIL import Image


        def image_size(path):
            with Image.open(path) as img:
                if img.width < 8:
                    raise ValueError("too small")
                return img.size
        ''',
    probe=probe_lfd101_stored_exception,
    hazard_seen=lambda r: r["fds_while_exception_kept"] > 0,
    describe=lambda r: (
        f"{_plural(r['fds_while_exception_kept'], 'fd')} held while the exception is kept "
        f"({r['fds_after_gc_collect']} after gc.collect(), {r['fds_after_exception_dropped']} once dropped), "
        f"{_plural(r['resource_warnings_error_path'], 'ResourceWarning')}; "
        f"normal return: {r['fds_after_normal_return']} fds after, "
        f"{_plural(r['resource_warnings_normal_return'], 'ResourceWarning')}"
    ),
)


def probe_module_script(snippet: Snippet) -> dict:
    """Run a script snippet statement by statement (cwd: the data folder) and
    keep its globals alive, as a script or notebook does, then drop them."""
    namespace, steps = snippet.run_statements()
    result = {"steps": steps, "fds_while_script_alive": data_fds(snippet.data)}
    gc.collect()
    result["fds_after_gc_collect"] = data_fds(snippet.data)
    result["resource_warnings_while_running"] = sum(step["resource_warnings"] for step in steps)
    result.update(snippet.release(namespace))
    return result


LFD101_LONG_LIVED = _case(
    code="LFD101",
    name="long-lived-gif",
    flagged_at="animation = Image.open(",
    library="Pillow",
    measures=(
        "a script opens a 3-frame GIF into a global and converts its first frame: "
        "data fds while the script's globals are alive"
    ),
    hazard='''
        from PIL import Image

        animation = Image.open("anim.gif")
        n_frames = animation.n_frames
        first_frame = animation.convert("RGB")
        ''',
    fixed='''
        from PIL import Image

        with Image.open("anim.gif") as animation:
            n_frames = animation.n_frames
            first_frame = animation.convert("RGB")
        ''',
    probe=probe_module_script,
    hazard_seen=lambda r: r["fds_while_script_alive"] > 0,
    describe=lambda r: (
        f"{_plural(r['fds_while_script_alive'], 'fd')} held after the script ran, pixels loaded "
        f"({r['fds_after_gc_collect']} after gc.collect()), "
        f"{_plural(r['resource_warnings_on_release'], 'ResourceWarning')} when its globals are dropped"
    ),
)


# --- LFD102 resource-not-closed-on-error ------------------------------------


def probe_lfd102(snippet: Snippet) -> dict:
    """A loader that skips bad files and keeps ``(name, error)`` for a report:
    ``photo.png`` loads, ``anim.gif`` (palette mode, 2-D pixels) fails the
    RGB check after its pixels were read."""
    module = snippet.load()
    data = snippet.data
    result: dict = {}
    with ResourceWarnings() as rw:
        loaded, failures = [], []
        for name in ("photo.png", "anim.gif"):
            try:
                loaded.append(module.load_pixels(str(data / name)))
            except ValueError as error:
                failures.append((name, error))
        result["loaded"] = len(loaded)
        result["failed"] = [name for name, _ in failures]
        result["fds_while_failures_kept"] = data_fds(data)
        gc.collect()
        result["fds_after_gc_collect"] = data_fds(data)
        failures.clear()
        result["fds_after_failures_dropped"] = data_fds(data)
    result["resource_warnings"] = rw.count
    return result


LFD102_CHECK_RAISES = _case(
    code="LFD102",
    name="check-raises",
    flagged_at="img = Image.open(path)",
    library="Pillow",
    measures=(
        "load_pixels() closes the image on success; on the GIF the RGB check raises "
        "before img.close(): data fds while the loader keeps the error"
    ),
    hazard='''
        import numpy as np
        from PIL import Image


        def check_rgb(pixels):
            if pixels.ndim != 3:
                raise ValueError(f"expected an RGB image, got shape {pixels.shape}")


        def load_pixels(path):
            img = Image.open(path)
            pixels = np.asarray(img)
            check_rgb(pixels)
            img.close()
            return pixels
        ''',
    fixed='''
        import numpy as np
        from PIL import Image


        def check_rgb(pixels):
            if pixels.ndim != 3:
                raise ValueError(f"expected an RGB image, got shape {pixels.shape}")


        def load_pixels(path):
            with Image.open(path) as img:
                pixels = np.asarray(img)
                check_rgb(pixels)
            return pixels
        ''',
    probe=probe_lfd102,
    hazard_seen=lambda r: r["fds_while_failures_kept"] > 0,
    describe=lambda r: (
        f"{r['loaded']} loaded, {len(r['failed'])} failed; "
        f"{_plural(r['fds_while_failures_kept'], 'fd')} held while the error is kept "
        f"({r['fds_after_gc_collect']} after gc.collect(), {r['fds_after_failures_dropped']} once dropped), "
        f"{_plural(r['resource_warnings'], 'ResourceWarning')}"
    ),
)


# --- LFD103 resources-accumulated -------------------------------------------


class _CountingPaths:
    """The paths, counting the descriptors open (``count()``) each time the snippet asks
    for the next one (the count is skipped when no descriptor is left for it)."""

    def __init__(self, paths: list[str], count) -> None:
        self.paths = paths
        self.count = count
        self.handed_out = 0
        self.peak_fds = 0

    def __iter__(self):
        for path in self.paths:
            try:
                self.peak_fds = max(self.peak_fds, self.count())
            except OSError:
                pass
            self.handed_out += 1
            yield path


def probe_lfd103(snippet: Snippet) -> dict:
    """Lower the soft RLIMIT_NOFILE to the descriptors open now + 50 and load
    200 PNGs through the snippet's ``load_dataset``."""
    import resource

    module = snippet.load()
    data = snippet.data
    paths = _CountingPaths(sorted(str(p) for p in (data / "bulk").glob("*.png")), lambda: data_fds(data))
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    baseline = all_fds()
    limit = baseline + FD_HEADROOM
    result: dict = {"images": len(paths.paths), "fds_open_before": baseline, "soft_limit": limit}
    with ResourceWarnings() as rw:
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))
        try:
            try:
                stacked = module.load_dataset(paths)
            except OSError as error:
                frames = traceback.extract_tb(error.__traceback__)
                result.update(
                    errno=error.errno,
                    error=f"{type(error).__name__}: [Errno {error.errno}] {error.strerror}",
                    failed_in=frames[-1].filename.replace(os.sep, "/").split("/site-packages/")[-1],
                    images_opened_before_error=paths.handed_out - 1,
                    loaded=0,
                )
                del error, frames
            else:
                result.update(errno=None, error=None, loaded=len(stacked))
                del stacked
        finally:
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        result["fds_after"] = data_fds(data)
    result["resource_warnings"] = rw.count
    result["peak_data_fds"] = paths.peak_fds
    return result


LFD103_LIST = _case(
    code="LFD103",
    name="list-of-images",
    flagged_at="Image.open(p) for p in paths",
    library="Pillow",
    measures=(
        f"load_dataset() over {BULK_IMAGES} PNGs with the soft RLIMIT_NOFILE lowered "
        f"to the fds already open + {FD_HEADROOM}: images loaded or the OSError"
    ),
    hazard='''
        import numpy as np
        from PIL import Image


        def load_dataset(paths):
            images = [Image.open(p) for p in paths]
            return np.stack([np.asarray(img.convert("RGB")) for img in images])
        ''',
    fixed='''
        import numpy as np
        from PIL import Image


        def load_dataset(paths):
            images = []
            for p in paths:
                with Image.open(p) as img:
                    images.append(img.convert("RGB"))
            return np.stack([np.asarray(img) for img in images])
        ''',
    probe=probe_lfd103,
    hazard_seen=lambda r: r["errno"] is not None,
    describe=lambda r: (
        (
            f"{r['error']} in {r['failed_in']} after {r['images_opened_before_error']} images opened "
            f"(limit {r['soft_limit']} = {r['fds_open_before']} open + {FD_HEADROOM}); "
            f"peak data fds seen {r['peak_data_fds']}"
        )
        if r["errno"] is not None
        else (
            f"all {r['loaded']}/{r['images']} images loaded under limit {r['soft_limit']}; "
            f"peak data fds {r['peak_data_fds']}"
        )
    ),
)


# --- LFD104 resource-temporary ----------------------------------------------


def probe_statements(snippet: Snippet) -> dict:
    """Run a script statement by statement: data fds right after each
    statement and the ResourceWarnings each one emitted."""
    namespace, steps = snippet.run_statements()
    result = {
        "steps": steps,
        "resource_warnings": sum(step["resource_warnings"] for step in steps),
        "max_fds_after_a_statement": max(step["fds_after"] for step in steps),
        "warning": next((step["warning"] for step in steps if step["warning"]), None),
    }
    result.update(snippet.release(namespace))
    return result


def _describe_temporary(r: dict) -> str:
    text = (
        f"{_plural(r['resource_warnings'], 'ResourceWarning')} during the statements; "
        f"{r['max_fds_after_a_statement']} data fds right after each statement"
    )
    if r["warning"]:
        text += f" ({r['warning'].split(' name=')[0]} ...)"
    return text


LFD104_READ = _case(
    code="LFD104",
    name="open-read",
    flagged_at="open(\"labels.txt\")",
    library="Python",
    measures="open(...).read() as a temporary: ResourceWarnings, and data fds right after the statement",
    hazard='''
        labels = open("labels.txt").read().splitlines()
        n_classes = len(labels)
        ''',
    fixed='''
        with open("labels.txt") as f:
            labels = f.read().splitlines()
        n_classes = len(labels)
        ''',
    probe=probe_statements,
    hazard_seen=lambda r: r["resource_warnings"] > 0 or r["max_fds_after_a_statement"] > 0,
    describe=_describe_temporary,
    note="on CPython the temporary is freed at the end of the statement: no descriptor builds up",
)

LFD104_IMAGE_SIZE = _case(
    code="LFD104",
    name="image-size",
    flagged_at="Image.open(\"photo.png\")",
    library="Pillow",
    measures="Image.open(...).size as a temporary: ResourceWarnings, and data fds right after the statement",
    hazard='''
        from PIL import Image

        width, height = Image.open("photo.png").size
        ''',
    fixed='''
        from PIL import Image

        with Image.open("photo.png") as img:
            width, height = img.size
        ''',
    probe=probe_statements,
    hazard_seen=lambda r: r["resource_warnings"] > 0 or r["max_fds_after_a_statement"] > 0,
    describe=_describe_temporary,
    note="on CPython the temporary is freed at the end of the statement: no descriptor builds up",
)


# --- LFD201 / LFD202: Keras ImageDataGenerator iterators ---------------------

#: The import the Keras snippets are written with; other implementations get
#: their own module path substituted (see ``KERAS_IMPLEMENTATIONS``).
DEFAULT_KERAS_MODULE = "tensorflow.keras.preprocessing.image"

#: implementation name -> (top-level module that must be importable, module of ImageDataGenerator)
KERAS_IMPLEMENTATIONS: dict[str, tuple[str, str]] = {
    "tensorflow.keras": ("tensorflow", DEFAULT_KERAS_MODULE),
    "tf_keras": ("tf_keras", "tf_keras.preprocessing.image"),
    "keras_preprocessing": ("keras_preprocessing", "keras_preprocessing.image"),
}


def available_keras_implementations() -> list[str]:
    """The Keras implementations importable here (found, not imported)."""
    return [name for name, (top, _) in KERAS_IMPLEMENTATIONS.items() if importlib.util.find_spec(top) is not None]


#: factory -> (parameters of the snippet's function, the call that makes the iterator)
KERAS_FACTORIES: dict[str, tuple[str, str]] = {
    "flow_from_directory": (
        "image_dir",
        "datagen.flow_from_directory(image_dir, target_size=(32, 32), batch_size=8)",
    ),
    "flow_from_dataframe": (
        "frame, image_dir",
        "datagen.flow_from_dataframe(\n"
        "                frame, directory=image_dir, x_col=\"filename\", y_col=\"label\",\n"
        "                target_size=(32, 32), batch_size=8,\n"
        "            )",
    ),
    "flow": ("images, labels", "datagen.flow(images, labels, batch_size=8)"),
}


def keras_inputs(factory: str, data: Path) -> dict:
    """The arguments the harness passes to a Keras snippet's function."""
    import numpy as np

    image_dir = str(data / "classes")
    if factory == "flow_from_directory":
        return {"image_dir": image_dir}
    if factory == "flow_from_dataframe":
        import pandas as pd

        files = sorted((data / "classes").glob("*/*.png"))
        frame = pd.DataFrame(
            {"filename": [str(p.relative_to(data / "classes")) for p in files], "label": [p.parent.name for p in files]}
        )
        return {"frame": frame, "image_dir": image_dir}
    count = IMAGES_PER_CLASS * len(CLASSES)
    images = np.random.default_rng(0).random((count, 32, 32, 3), dtype=np.float32)
    return {"images": images, "labels": np.arange(count) % 2}


def keras_reference_len(snippet: Snippet, factory: str, inputs: dict) -> int:
    """``len(it)`` of an iterator built by the harness with the snippet's arguments."""
    module = importlib.import_module(snippet.keras_module)
    datagen = module.ImageDataGenerator(rescale=1.0 / 255)
    if factory == "flow_from_directory":
        it = datagen.flow_from_directory(inputs["image_dir"], target_size=(32, 32), batch_size=BATCH_SIZE)
    elif factory == "flow_from_dataframe":
        it = datagen.flow_from_dataframe(
            inputs["frame"], directory=inputs["image_dir"], x_col="filename", y_col="label",
            target_size=(32, 32), batch_size=BATCH_SIZE,
        )
    else:
        it = datagen.flow(inputs["images"], inputs["labels"], batch_size=BATCH_SIZE)
    return len(it)


class RecordingModel:
    """Stands in for a Keras model: ``fit`` pulls ``steps_per_epoch`` batches
    with ``next()``, counts the data fds after each, and raises
    ``RuntimeError`` after ``fail_after`` batches when asked to (training
    that fails for a reason of its own)."""

    def __init__(self, data: Path, fail_after: int | None) -> None:
        self.data, self.fail_after = data, fail_after
        self.fds_between_batches: list[int] = []
        self.iterator_facts: dict = {}

    def fit(self, x: Any, epochs: int = 1, steps_per_epoch: int | None = None, **kwargs: Any) -> None:
        self.iterator_facts = {
            "type": f"{type(x).__module__}.{type(x).__qualname__}",
            "mro": [f"{c.__module__}.{c.__qualname__}" for c in type(x).__mro__[1:]],
            "has_close": hasattr(x, "close"),
            "has_exit": hasattr(x, "__exit__"),
            "len": len(x),
        }
        for _ in range(epochs):
            for _ in range(steps_per_epoch or len(x)):
                next(x)
                self.fds_between_batches.append(data_fds(self.data))
                if self.fail_after is not None and len(self.fds_between_batches) >= self.fail_after:
                    raise RuntimeError("loss is NaN")


def probe_lfd201(snippet: Snippet) -> dict:
    """Run ``train(model, ...)`` twice: with a model whose ``fit`` raises
    RuntimeError after 3 batches, and with one that completes an epoch."""
    (factory,) = snippet.params
    module = snippet.load()
    result: dict = {"factory": factory}
    for label, fail_after in (("failing_fit", 3), ("successful_fit", None)):
        model = RecordingModel(snippet.data, fail_after)
        inputs = keras_inputs(factory, snippet.data)
        outcome: dict = {}
        try:
            module.train(model, **inputs)
        except Exception as error:  # noqa: BLE001 - the exception is what we measure
            outcome["propagated"] = type(error).__name__
            outcome["message"] = str(error)
            outcome["context"] = type(error.__context__).__name__ if error.__context__ is not None else None
            del error
        else:
            outcome["propagated"] = None
        outcome["batches"] = len(model.fds_between_batches)
        outcome["max_fds_between_batches"] = max(model.fds_between_batches, default=0)
        outcome["fds_after"] = data_fds(snippet.data)
        result[label] = outcome
        result["iterator"] = model.iterator_facts
    return result


def _describe_lfd201(r: dict) -> str:
    failing, success = r["failing_fit"], r["successful_fit"]
    if failing["propagated"] == "RuntimeError" and failing["context"] is None:
        text = "fit raising RuntimeError: RuntimeError propagates"
    else:
        text = f"fit raising RuntimeError: {failing['propagated']} propagates (context: {failing['context']})"
    text += f"; successful fit: {success['propagated'] or 'returns normally'}"
    text += f"; has close(): {'yes' if r['iterator']['has_close'] else 'no'}"
    most = max(failing["max_fds_between_batches"], success["max_fds_between_batches"])
    text += f"; max data fds between batches: {most}"
    return text


def _lfd201_sources(factory: str) -> tuple[str, str]:
    params, make = KERAS_FACTORIES[factory]
    head = f'''
        from {DEFAULT_KERAS_MODULE} import ImageDataGenerator


        def train(model, {params}):
            datagen = ImageDataGenerator(rescale=1.0 / 255)
            train_generator = {make}
        '''.rstrip(" ")
    hazard = head + '''\
            try:
                model.fit(train_generator, epochs=1, steps_per_epoch=len(train_generator))
            finally:
                train_generator.close()
        '''
    fixed = head + '''\
            model.fit(train_generator, epochs=1, steps_per_epoch=len(train_generator))
        '''
    return hazard, fixed


def probe_lfd202(snippet: Snippet) -> dict:
    """Run ``train(..., train_step)`` with a ``train_step`` that counts the
    batches and raises a private exception at 3 * len(it) batches."""
    (factory,) = snippet.params
    module = snippet.load()
    inputs = keras_inputs(factory, snippet.data)
    n_batches = keras_reference_len(snippet, factory, inputs)
    bound = LOOP_BOUND_FACTOR * n_batches
    fds: list[int] = []

    class StopTest(Exception):
        """Raised by the harness, never by the snippet."""

    def train_step(batch_x: Any, batch_y: Any) -> None:
        fds.append(data_fds(snippet.data))
        if len(fds) >= bound:
            raise StopTest

    try:
        module.train(train_step=train_step, **inputs)
    except StopTest:
        returned = False
    else:
        returned = True
    return {
        "factory": factory,
        "len_it": n_batches,
        "epochs": EPOCHS,
        "bound": bound,
        "batches_pulled": len(fds),
        "returned_by_itself": returned,
        "max_fds_between_batches": max(fds, default=0),
    }


def _describe_lfd202(r: dict) -> str:
    if r["returned_by_itself"]:
        return (
            f"returned by itself after {r['batches_pulled']} batches "
            f"({r['epochs']} epochs x len(it)={r['len_it']})"
        )
    return (
        f"still looping after {r['batches_pulled']} batches ({r['epochs']} epochs x len(it)={r['len_it']} "
        f"= {r['epochs'] * r['len_it']} expected): stopped by the harness at 3 x len(it)"
    )


def _lfd202_sources(factory: str) -> tuple[str, str]:
    params, make = KERAS_FACTORIES[factory]
    body = f'''
        from {DEFAULT_KERAS_MODULE} import ImageDataGenerator


        def train({params}, train_step, epochs={EPOCHS}):
            datagen = ImageDataGenerator(rescale=1.0 / 255)
            train_generator = {make}
            for epoch in range(epochs):
        '''.rstrip(" ")
    hazard = body + '''\
                for batch_x, batch_y in train_generator:
                    train_step(batch_x, batch_y)
        '''
    fixed = "\n        import itertools\n" + body + '''\
                for batch_x, batch_y in itertools.islice(train_generator, len(train_generator)):
                    train_step(batch_x, batch_y)
        '''
    return hazard, fixed


for _factory in KERAS_FACTORIES:
    _hazard, _fixed = _lfd201_sources(_factory)
    _case(
        code="LFD201",
        name=_factory,
        library="Keras",
        measures=(
            f"ImageDataGenerator().{_factory}(...) iterator, train() with close() in finally; "
            "fit raises RuntimeError after 3 batches / completes: exception that propagates, data fds between batches"
        ),
        hazard=_hazard,
        fixed=_fixed,
        flagged_at="train_generator.close()",
        probe=probe_lfd201,
        hazard_seen=lambda r: r["failing_fit"]["propagated"] == "AttributeError"
        or r["successful_fit"]["propagated"] == "AttributeError",
        describe=_describe_lfd201,
        params=(_factory,),
    )
    _hazard, _fixed = _lfd202_sources(_factory)
    _case(
        code="LFD202",
        name=_factory,
        library="Keras",
        measures=(
            f"ImageDataGenerator().{_factory}(...) iterator in a for loop inside {EPOCHS} epochs: "
            f"batches pulled before the harness stops it at {LOOP_BOUND_FACTOR} x len(it)"
        ),
        hazard=_hazard,
        fixed=_fixed,
        flagged_at="for batch_x, batch_y in train_generator:",
        probe=probe_lfd202,
        hazard_seen=lambda r: not r["returned_by_itself"],
        describe=_describe_lfd202,
        params=(_factory,),
    )
del _factory, _hazard, _fixed


# --- LFD301 generator-resource-unprotected ----------------------------------


def probe_lfd301(snippet: Snippet) -> dict:
    """(1) take one record and keep the generator, then ``close()`` it;
    (2) read a file whose line 2 is not JSON, keeping the exception."""
    module = snippet.load()
    data = snippet.data
    result: dict = {}
    records = module.read_records(str(data / "records.jsonl"))
    result["first"] = next(records)
    result["fds_while_suspended"] = data_fds(data)
    gc.collect()
    result["fds_while_suspended_after_gc"] = data_fds(data)
    with ResourceWarnings() as rw:
        records.close()
        result["fds_after_close"] = data_fds(data)
    result["resource_warnings_on_close"] = rw.count
    with ResourceWarnings() as rw:
        saved = None
        try:
            for _record in module.read_records(str(data / "bad_records.jsonl")):
                pass
        except ValueError as error:
            saved = error
        result["raised"] = type(saved).__name__
        result["fds_while_exception_kept"] = data_fds(data)
        saved = None
        result["fds_after_exception_dropped"] = data_fds(data)
    result["resource_warnings_error_path"] = rw.count
    return result


LFD301_READ_RECORDS = _case(
    code="LFD301",
    name="read-records",
    flagged_at="f = open(path)",
    # the close after the loop is skipped when parse() raises: LFD102 on the same open
    also_flagged=("LFD102",),
    library="Python",
    measures=(
        "read_records() generator: one record taken, then close(); and a bad JSON line raising "
        "inside it with the exception kept: data fds and ResourceWarnings"
    ),
    hazard='''
        import json


        def read_records(path):
            f = open(path)
            for line in f:
                yield json.loads(line)
            f.close()
        ''',
    fixed='''
        import json


        def read_records(path):
            with open(path) as f:
                for line in f:
                    yield json.loads(line)
        ''',
    probe=probe_lfd301,
    hazard_seen=lambda r: r["resource_warnings_on_close"] > 0 or r["fds_while_exception_kept"] > 0,
    describe=lambda r: (
        f"suspended after 1 record: {r['fds_while_suspended']} fd; close(): "
        f"{r['fds_after_close']} fds, {_plural(r['resource_warnings_on_close'], 'ResourceWarning')}; "
        f"bad line, exception kept: {_plural(r['fds_while_exception_kept'], 'fd')} held"
    ),
)


# --- LFD302 generator-not-closed --------------------------------------------

def probe_lfd302_script(snippet: Snippet) -> dict:
    """Run the script (globals kept alive, as in a script or notebook), then
    call ``records.close()`` as the fix would, then drop the globals."""
    namespace, steps = snippet.run_statements()
    result = {"steps": steps, "fds_while_script_alive": data_fds(snippet.data)}
    gc.collect()
    result["fds_after_gc_collect"] = data_fds(snippet.data)
    with ResourceWarnings() as rw:
        namespace["records"].close()
        result["fds_after_records_close"] = data_fds(snippet.data)
    result["resource_warnings_on_close"] = rw.count
    result.update(snippet.release(namespace))
    return result


_READ_RECORDS = '''
    import json


    def read_records(path):
        with open(path) as f:
            for line in f:
                yield json.loads(line)

'''

LFD302_NEXT = _case(
    code="LFD302",
    name="next-in-script",
    flagged_at="records = read_records(",
    library="Python",
    measures=(
        "a script takes next() of read_records() and keeps the generator in a global: "
        "data fds while the script is alive"
    ),
    hazard=_READ_RECORDS + '''
    records = read_records("records.jsonl")
    header = next(records)
    ''',
    fixed=_READ_RECORDS.replace("import json", "import contextlib\n    import json") + '''
    with contextlib.closing(read_records("records.jsonl")) as records:
        header = next(records)
    ''',
    probe=probe_lfd302_script,
    hazard_seen=lambda r: r["fds_while_script_alive"] > 0,
    describe=lambda r: (
        f"{_plural(r['fds_while_script_alive'], 'fd')} held after the script ran "
        f"({r['fds_after_gc_collect']} after gc.collect()), "
        f"{r['fds_after_records_close']} after records.close()"
    ),
)

LFD302_TEMPORARY = _case(
    code="LFD302",
    name="temporary-for-break",
    flagged_at="for record in read_records(",
    library="Python",
    measures="for ... in read_records(): break on a temporary generator: data fds right after the loop",
    hazard=_READ_RECORDS + '''
    for record in read_records("records.jsonl"):
        header = record
        break
    ''',
    fixed=_READ_RECORDS.replace("import json", "import contextlib\n    import json") + '''
    with contextlib.closing(read_records("records.jsonl")) as records:
        for record in records:
            header = record
            break
    ''',
    probe=probe_statements,
    hazard_seen=lambda r: r["max_fds_after_a_statement"] > 0,
    describe=lambda r: f"{r['max_fds_after_a_statement']} data fds right after the loop",
    expect_hazard=False,
    note="flagged by the contract, but CPython frees the temporary generator (and closes its file) as the loop ends",
)


# --- The rest of the ML data stack: one opener per case ------------------------
#
# Each opener of lint_fd's kinds table (``lint_fd/analysis/kinds.py``) is
# measured the way LFD103 measures Pillow: a loader keeps one object per file
# in a list under a lowered soft RLIMIT_NOFILE, and its fixed twin releases
# each one before opening the next. The openers measured to hold no
# descriptor are here too (``flagged=False``): lint_fd does not flag them.
# All of them run in one subprocess ("stack" group): numpy, h5py and OpenCV
# are imported once.

#: Files per opener, and the headroom above the descriptors already open.
STACK_FILES = 40
STACK_HEADROOM = 25


@dataclass(frozen=True)
class StackOpener:
    """One opener measured by :func:`probe_stack`: how its files are made and used."""

    name: str  # case name, also the data subfolder
    library: str  # module whose version is reported
    imports: str
    open_expr: str  # opens path ``p``
    use: str  # an expression of the open object ``h``
    suffix: str
    flagged: bool = True
    managed: bool = True  # a context manager (else released by ``release()`` in finally)
    note: str = ""
    #: its descriptors are pipes to a subprocess (ffmpeg), not files in the data folder:
    #: every descriptor the process opened past the baseline is counted
    pipes: bool = False
    #: it takes its descriptors at its first use, not when it is made (a video writer at its
    #: first frame): the hazard uses each object as it opens it
    held_from_first_use: bool = False


STACK_OPENERS = (
    StackOpener("npz", "numpy", "import numpy as np", "np.load(p)", 'h["x"].shape', ".npz"),
    StackOpener("npy", "numpy", "import numpy as np", "np.load(p)", "h.shape", ".npy", flagged=False,
                note="np.load of a .npy file returns an ndarray read into memory: no descriptor, not flagged"),
    StackOpener("npy-mmap", "numpy", "import numpy as np", 'np.load(p, mmap_mode="r")', "h.shape", ".npy",
                flagged=False,
                note=("np.load(..., mmap_mode='r') returns a numpy.memmap: Python's mmap keeps one descriptor until "
                      "the array and all its views are freed; it has no close() to check, so lint_fd does not flag "
                      "it: copy what you need (np.array(m)) and drop the memmap")),
    StackOpener("h5py-File", "h5py", "import h5py", 'h5py.File(p, "r")', 'h["x"][0]', ".h5"),
    StackOpener("zipfile-ZipFile", "Python", "import zipfile", "zipfile.ZipFile(p)", "h.namelist()", ".zip"),
    StackOpener("tarfile-open", "Python", "import tarfile", "tarfile.open(p)", "h.getnames()", ".tar"),
    StackOpener("cv2-VideoCapture", "cv2", "import cv2", "cv2.VideoCapture(p)", "h.read()[0]", ".avi",
                managed=False),
    StackOpener("cv2-VideoWriter", "cv2", "import cv2",
                'cv2.VideoWriter(p + ".out.avi", cv2.VideoWriter_fourcc(*"MJPG"), 10, (32, 32))',
                "h.isOpened()", ".avi", managed=False),
    StackOpener("imageio-imopen", "imageio", "import imageio.v3 as iio", 'iio.imopen(p, "r")',
                "h.read(index=0).shape", ".gif"),
    StackOpener("imageio-get_reader", "imageio", "import imageio", "imageio.get_reader(p)",
                "h.get_data(0).shape", ".gif"),
    StackOpener("imageio-get_writer", "imageio", "import imageio\n        import numpy as np",
                'imageio.get_writer(p + ".out.gif")', "h.append_data(np.zeros((8, 8, 3), np.uint8))", ".gif",
                flagged=False,
                note=("imageio's writer (Pillow plugin) buffers the frames and writes the file on close(): "
                      "no descriptor while it is open on these versions, not flagged")),
    StackOpener("imageio-get_writer-ffmpeg", "imageio", "import imageio\n        import numpy as np",
                'imageio.get_writer(p + ".out.mp4", fps=5)', "h.append_data(np.zeros((16, 16, 3), np.uint8))", ".mp4",
                pipes=True, held_from_first_use=True,
                note=("imageio's writer of a video (its FFMPEG plugin, imageio-ffmpeg) starts an ffmpeg process at "
                      "the first frame and holds two pipes to it until close(): lint_fd flags it where the code shows "
                      "a video (a video suffix, format=\"FFMPEG\", an ffmpeg-only keyword)")),
    StackOpener("imageio-get_reader-ffmpeg", "imageio", "import imageio", "imageio.get_reader(p)",
                "h.get_data(0).shape", ".mp4", pipes=True,
                note="imageio's reader of a video starts an ffmpeg process and holds three pipes to it until close()"),
    StackOpener("soundfile-SoundFile", "soundfile", "import soundfile", "soundfile.SoundFile(p)", "h.samplerate",
                ".wav"),
    StackOpener("wave-open", "Python", "import wave", 'wave.open(p, "rb")', "h.getnframes()", ".wav"),
    StackOpener("tempfile-TemporaryFile", "Python", "import os\n        import tempfile",
                "tempfile.TemporaryFile(dir=os.path.dirname(p))", 'h.write(b"x")', ".txt"),
    StackOpener("tempfile-NamedTemporaryFile", "Python", "import os\n        import tempfile",
                "tempfile.NamedTemporaryFile(dir=os.path.dirname(p))", 'h.write(b"x")', ".txt"),
    StackOpener("fileinput-FileInput", "Python", "import fileinput", "fileinput.FileInput([p])", "next(h)", ".txt",
                note=("a FileInput (what fileinput.input() returns, also kept in the module's global state) opens "
                      "its file at the first read: the descriptors pile up in the loop that reads them")),
    StackOpener("shelve-open", "Python", "import shelve", "shelve.open(p)", 'h.get("k")', ".db", flagged=False,
                note=("this Python has only dbm.dumb (no _gdbm, no _dbm): shelve/dbm open their files per "
                      "operation, no descriptor while open, not flagged")),
    StackOpener("dbm-open", "Python", "import dbm", 'dbm.open(p, "r")', 'h.get(b"k")', ".db", flagged=False,
                note="dbm.open picks dbm.dumb here (no _gdbm, no _dbm): no descriptor while open, not flagged"),
    StackOpener("gzip-GzipFile", "Python", "import gzip", "gzip.GzipFile(p)", "h.read()", ".gz"),
    StackOpener("gzip-GzipFile-fileobj", "Python", "import gzip\n        import io\n        import pathlib",
                'gzip.GzipFile("", "rb", 9, io.BytesIO(pathlib.Path(p).read_bytes()))', "h.read()", ".gz",
                flagged=False,
                note=("gzip.GzipFile given a file object (here positionally, the fourth argument) reads through it "
                      "and opens nothing itself: no descriptor of its own, not flagged")),
    StackOpener("bz2-BZ2File", "Python", "import bz2", "bz2.BZ2File(p)", "h.read()", ".bz2"),
    StackOpener("lzma-LZMAFile", "Python", "import lzma", "lzma.LZMAFile(p)", "h.read()", ".xz"),
)


def make_stack_files(folder: Path, opener: StackOpener) -> list[str]:
    """``STACK_FILES`` small files for one opener (made in the probe subprocess, once)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [str(folder / f"item_{index:03d}{opener.suffix}") for index in range(STACK_FILES)]
    if (folder / "done").exists():
        return paths
    import numpy as np

    first = paths[0]
    if opener.suffix == ".npz":
        np.savez(first, x=np.arange(4))
    elif opener.suffix == ".npy":
        np.save(first, np.arange(4))
    elif opener.suffix == ".h5":
        import h5py

        with h5py.File(first, "w") as out:
            out["x"] = np.arange(4)
    elif opener.suffix == ".zip":
        import zipfile

        with zipfile.ZipFile(first, "w") as out:
            out.writestr("member.txt", "x")
    elif opener.suffix == ".tar":
        import io
        import tarfile

        with tarfile.open(first, "w") as out:
            info = tarfile.TarInfo("member.txt")
            info.size = 1
            out.addfile(info, io.BytesIO(b"x"))
    elif opener.suffix == ".avi":
        import cv2

        writer = cv2.VideoWriter(first, cv2.VideoWriter_fourcc(*"MJPG"), 10, (32, 32))
        try:
            for index in range(5):
                writer.write(np.full((32, 32, 3), index * 40, np.uint8))
        finally:
            writer.release()
        capture = cv2.VideoCapture(first)
        try:
            assert capture.isOpened() and capture.read()[0], "OpenCV cannot read back the video it wrote"
        finally:
            capture.release()
    elif opener.suffix == ".mp4":
        import imageio

        with imageio.get_writer(first, fps=5) as out:
            for index in range(3):
                out.append_data(np.full((16, 16, 3), index * 60, np.uint8))
    elif opener.suffix == ".gif":
        from PIL import Image

        frames = [Image.new("RGB", (8, 8), (index * 60, 0, 0)) for index in range(3)]
        frames[0].save(first, save_all=True, append_images=frames[1:])
    elif opener.suffix == ".wav":
        import wave

        with wave.open(first, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(8000)
            out.writeframes(b"\0\0" * 80)
    elif opener.suffix == ".db":
        import shelve

        for path in paths:
            with shelve.open(path) as out:
                out["k"] = 1
    elif opener.suffix in {".gz", ".bz2", ".xz"}:
        import bz2
        import gzip
        import lzma

        module = {".gz": gzip, ".bz2": bz2, ".xz": lzma}[opener.suffix]
        with module.open(first, "wb") as out:
            out.write(b"x\n")
    else:
        Path(first).write_text("x\n")
    if opener.suffix != ".db":
        content = Path(first).read_bytes()
        for path in paths[1:]:
            Path(path).write_bytes(content)
    (folder / "done").write_text("")
    return paths


def probe_stack(snippet: Snippet) -> dict:
    """Lower the soft RLIMIT_NOFILE to the descriptors open now + ``STACK_HEADROOM``
    and run the snippet's ``load_all`` over ``STACK_FILES`` files, counting the data
    fds before each path is handed out; then the data fds once it returned or failed."""
    import resource

    (name,) = snippet.params
    opener = next(o for o in STACK_OPENERS if o.name == name)
    module = snippet.load()
    folder = snippet.data / "stack" / name
    files = make_stack_files(folder, opener)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    baseline = all_fds()
    paths = _CountingPaths(files, (lambda: all_fds() - baseline) if opener.pipes else (lambda: data_fds(folder)))
    limit = baseline + STACK_HEADROOM
    result: dict = {"files": len(paths.paths), "fds_open_before": baseline, "soft_limit": limit,
                    "counted": "fds (pipes to ffmpeg)" if opener.pipes else "data fds"}
    with ResourceWarnings() as rw:
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))
        try:
            try:
                loaded = module.load_all(paths)
            except Exception as error:  # noqa: BLE001 - OSError, h5py's OSError without errno, libsndfile's error
                errno = getattr(error, "errno", None)
                text = f"[Errno {errno}] {error.strerror}" if errno else str(error).splitlines()[0][:160]
                text = text.replace(str(snippet.data), "<data>")
                result.update(errno=errno, error=f"{type(error).__name__}: {text}", loaded=0, failed_opens=None,
                              opened_before_error=paths.handed_out - 1)
                del error
            else:
                # OpenCV does not raise: past the limit a capture is silently not opened (falsy results)
                result.update(errno=None, error=None, loaded=len(loaded),
                              failed_opens=sum(1 for value in loaded if value is False))
                del loaded
        finally:
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        gc.collect()
        result["fds_after"] = paths.count()
    result["resource_warnings"] = rw.count
    result["peak_data_fds"] = paths.peak_fds
    return result


def _stack_sources(opener: StackOpener) -> tuple[str, str]:
    head = f"""
        {opener.imports}


        def load_all(paths):
        """
    hazard = head + f"""\
    handles = [{opener.open_expr} for p in paths]
            return [{opener.use} for h in handles]
        """
    if opener.name == "npz":  # np.load is an archive where the code shows one: here "x" in archive
        hazard = head + """\
    archives = []
            for p in paths:
                archive = np.load(p)
                if "x" in archive:
                    archives.append(archive)
            return [archive["x"].shape for archive in archives]
        """
    if opener.held_from_first_use:
        hazard = head + f"""\
    writers = []
            for p in paths:
                h = {opener.open_expr}
                {opener.use}
                writers.append(h)
            return list(range(len(writers)))
        """
    if opener.managed:
        fixed = head + f"""\
    results = []
            for p in paths:
                with {opener.open_expr} as h:
                    results.append({opener.use})
            return results
        """
    else:
        fixed = head + f"""\
    results = []
            for p in paths:
                h = {opener.open_expr}
                try:
                    results.append({opener.use})
                finally:
                    h.release()
            return results
        """
    if not opener.flagged and opener.name != "imageio-get_writer":  # no close() to call: copy what is needed
        fixed = head + f"""\
    return [{opener.use} for h in ({opener.open_expr} for p in paths)]
        """
    if opener.name == "imageio-get_writer":
        fixed = hazard.replace("return [", "results = [") + """\
    for h in handles:
                h.close()
            return results
        """
    return hazard, fixed


def _describe_stack(r: dict) -> str:
    if r["error"] is not None:
        return (f"{r['error']} after {r['opened_before_error']} paths were handed out (limit {r['soft_limit']} = "
                f"{r['fds_open_before']} open + {STACK_HEADROOM}); peak {r['counted']} seen {r['peak_data_fds']}, "
                f"{r['fds_after']} after")
    failed = f", {r['failed_opens']} silently not opened" if r["failed_opens"] else ""
    return (f"returned {r['loaded']}/{r['files']} results under limit {r['soft_limit']}{failed}; peak {r['counted']} "
            f"{r['peak_data_fds']}, {r['fds_after']} after")


def _stack_hazard_seen(r: dict) -> bool:
    """Descriptors grew with the files: an error under the lowered limit, or more than one data fd open at once."""
    return r["error"] is not None or r["peak_data_fds"] > 1


STACK_CASES: dict[str, Case] = {}
for _opener in STACK_OPENERS:
    _hazard, _fixed = _stack_sources(_opener)
    STACK_CASES[_opener.name] = _case(
        code="LFD103",
        name=_opener.name,
        library=_opener.library,
        measures=(
            f"load_all() keeps one {_opener.open_expr.split('(')[0]}(...) per file, {STACK_FILES} files, soft "
            f"RLIMIT_NOFILE lowered to the fds already open + {STACK_HEADROOM}: files loaded or the OSError"
        ),
        hazard=_hazard,
        fixed=_fixed,
        flagged_at=("np.load(p)" if _opener.name == "npz" else _opener.open_expr
                    if _opener.held_from_first_use else f"{_opener.open_expr} for p in paths"),
        probe=probe_stack,
        hazard_seen=_stack_hazard_seen,
        describe=_describe_stack,
        expect_hazard=_opener.flagged or _opener.name == "npy-mmap",
        note=_opener.note,
        params=(_opener.name,),
        group="stack",
        flagged=_opener.flagged,
    )
del _opener, _hazard, _fixed


# ---------------------------------------------------------------------------
# Running probes in subprocesses (the parent side)
# ---------------------------------------------------------------------------

VARIANTS = ("hazard", "fixed")


def cases_for(codes: list[str] | None = None) -> list[Case]:
    """The cases in code order, optionally only those of ``codes`` (prefixes
    such as ``LFD1`` work too)."""
    chosen = [c for c in CASES.values() if not codes or any(c.code.startswith(p) for p in codes)]
    return sorted(chosen, key=lambda c: c.code)


def keras_implementations_to_test() -> list[str]:
    """``tensorflow.keras`` always, then every other importable implementation."""
    return ["tensorflow.keras"] + [n for n in available_keras_implementations() if n != "tensorflow.keras"]


class ProbeError(RuntimeError):
    """A probe subprocess failed; the message holds its stderr."""


def _subprocess_env() -> dict:
    env = dict(os.environ)
    package_parent = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH")) if p)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env.setdefault("CUDA_VISIBLE_DEVICES", "")
    env.setdefault("KERAS_BACKEND", "tensorflow")
    return env


def run_jobs(
    jobs: list[tuple[Case, str]],
    data: str | os.PathLike,
    workdir: str | os.PathLike,
    implementation: str | None = None,
    timeout: float = 600,
) -> dict:
    """Run ``(case, variant)`` jobs in ONE ``python -X dev`` subprocess.

    Returns ``{"results": {"CODE/name:variant": result}, "versions": {...},
    "stray_resource_warnings": n}`` where ``n`` counts ResourceWarnings that
    ``-X dev`` printed outside the recorded blocks.
    """
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix="results-", suffix=".json", dir=workdir)
    os.close(handle)
    out = Path(name)
    command = [sys.executable, "-X", "dev", "-m", "lint_fd.confirmations"]
    command += ["--data", str(data), "--workdir", str(workdir), "--out", str(out)]
    if implementation:
        command += ["--keras", KERAS_IMPLEMENTATIONS[implementation][1]]
    command += [f"{case.id}:{variant}" for case, variant in jobs]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=_subprocess_env())
    if completed.returncode != 0 or not out.read_text():
        raise ProbeError(f"probe subprocess failed (exit {completed.returncode}):\n{completed.stderr[-4000:]}")
    report = json.loads(out.read_text())
    report["stray_resource_warnings"] = completed.stderr.count("ResourceWarning")
    report["stderr"] = completed.stderr[-4000:]
    return report


def run_case(case: Case, variant: str, data: str | os.PathLike, workdir: str | os.PathLike) -> dict:
    """Run one non-Keras job in its own subprocess and return its result."""
    report = run_jobs([(case, variant)], data, workdir)
    result = report["results"][f"{case.id}:{variant}"]
    if "probe_error" in result:
        raise ProbeError(result["probe_error"])
    result["versions"] = report["versions"]
    result["stray_resource_warnings"] = report["stray_resource_warnings"]
    return result


# ---------------------------------------------------------------------------
# The subprocess side
# ---------------------------------------------------------------------------


def _versions(keras_module: str | None) -> dict:
    found = {"python": sys.version.split()[0], "implementation": sys.implementation.name}
    for name in ("PIL", "numpy", "tensorflow", "keras", "tf_keras", "keras_preprocessing", "h5py", "cv2", "imageio",
                 "soundfile"):
        module = sys.modules.get(name)
        if module is not None and getattr(module, "__version__", None):
            found[name] = str(module.__version__)
    if keras_module:
        found["keras_module"] = keras_module
    return found


def _child_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m lint_fd.confirmations")
    parser.add_argument("--data", required=True, type=Path)
    parser.add_argument("--workdir", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--keras", default=None, help="module that provides ImageDataGenerator")
    parser.add_argument("jobs", nargs="+", help="CODE/name:variant")
    args = parser.parse_args(argv)
    data = args.data.resolve()
    snippets_dir = args.workdir / "snippets"
    snippets_dir.mkdir(parents=True, exist_ok=True)
    os.chdir(data)  # script snippets use paths relative to the data folder
    results = {}
    for job in args.jobs:
        case_id, variant = job.rsplit(":", 1)
        case = CASES[case_id]
        stem = f"{case.id.lower().replace('/', '_').replace('-', '_')}_{variant}"
        if args.keras:
            stem += "_" + args.keras.split(".")[0]
        path = snippets_dir / f"{stem}.py"
        source = case.source(variant, args.keras)
        path.write_text(source)
        snippet = Snippet(source, path, data, args.keras, case.params)
        try:
            results[job] = case.probe(snippet)
        except Exception:  # noqa: BLE001 - reported to the parent, which fails loudly
            results[job] = {"probe_error": traceback.format_exc()}
        gc.collect()
    args.out.write_text(json.dumps({"results": results, "versions": _versions(args.keras)}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
