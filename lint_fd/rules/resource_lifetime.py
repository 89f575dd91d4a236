"""Family 1: resource lifetime (LFD101-LFD104), reported at the opening call."""
from __future__ import annotations

from . import Rule, rule


@rule
class ResourceNotClosed(Rule):
    """
    ## What it flags

    A resource (a PIL image from `Image.open`, a file from `open`, an archive,
    an HDF5 file, a video capture: any of the kinds below, or the result of a
    function of your code that returns one, alone or inside a tuple:
    `cap, fps = open_video(p)`) is bound to a name, and some normal path
    leaves it open without handing it on: the end of the function, an early
    `return` or `continue`, a close that only runs under a condition, or a
    rebinding such as `img = img.convert("RGB")` that drops the only name of
    the still-open original.

    A resource that is returned, yielded (alone or in a tuple, list or dict),
    stored on an attribute or a global, or put in a container that escapes is
    not flagged: its new owner closes it. So is one passed to a function of
    your project that closes or keeps its argument (other modules of the
    project included), to a name listed under `release-functions` or
    `keeper-functions`, or wrapped in an object that escapes (a CamelCase
    constructor or the class at hand, `cls(f)`, `type(self)(f)`;
    `io.TextIOWrapper`, `contextlib.closing`, `tarfile.open(fileobj=f)`,
    Flask `send_file`...), or given to a method that keeps it on an object that
    outlives the function: a setter-like method (`source.setByteStream(f)`,
    `registry.register(img)`) or a base class's initialiser
    (`super().__init__(f)`: the object being built keeps it). A close behind
    `if not f.closed:` counts. A helper keeps what it returns or stores as it
    came in: one that rebinds its parameter first (`def to_array(img):
    img = np.asarray(img); return img`) returns something else, so
    `img = to_array(img)` drops the still-open image.
    Data read out of an archive is not the archive: `x = data["x"]` of an npz
    archive and `h5["images"][i]` of an HDF5 file are arrays in memory, so
    returning them leaves the file with the function (`h5["images"]` itself is
    a dataset that keeps the file, and returning it hands the file on).

    A function lint_fd cannot see (another library, a module outside the
    project) reads what it is given; it does not take it, whatever becomes of
    its result: `out = process(f); return out` leaves `f` open here, and so
    does a bound method handed over as a callback (`executor.submit(f.read)`);
    a bound method returned or stored (`return zf.writestr, zf.close`) keeps
    its object, and hands it on.
    Lambdas, class bodies and default values are scopes like functions. A
    nested function that uses the resource takes it wherever it goes: one
    returned, stored, decorated, wrapped in an object or given to a keeper
    takes it along, and so does one that closes it. One that only reads it
    and that the function only calls itself or hands to a call that reads
    (`def put(line): f.write(line)`, then `put(x)` or `run_all(put, lines)`,
    like a bound method passed as a callback) carries nothing out, so `f` is
    still the function's to close.

    An opener is known however it is imported: at the top of the module,
    inside the function (`def load(p): import numpy as np`), or through
    another module of the project that imports the library itself
    (`from utils.general import cv2, np`, where `utils/general.py` does
    `import cv2` and `import numpy as np`; lint_fd reads that module, never
    runs it), also by a star import (`from utils import *`, followed through
    the project's own star imports) or as a package (`PIL.Image.open`).

    An opener given a file object rather than a path opens no descriptor of
    its own and is not flagged: `Image.open(io.BytesIO(data))`, a `with`
    target or a parameter named like a stream (`fp`, `f`, `*_bytes`), and
    the uploads a web framework hands over: Streamlit's `st.file_uploader`
    and `st.camera_input` (a `BytesIO`), Flask's `request.files["image"]`
    and Django's `request.FILES["photo"]` (the request closes them), and an
    attribute of the class that only ever holds buffers (`self.cache[i]`
    where every value any method stores there is an `io.BytesIO`). An
    upload saved to disk and opened by its path is a file again.

    ## Resource kinds

    {resource_kinds}

    ## Why it matters

    `Image.open` is lazy: the image keeps its file descriptor until `close()`,
    until its pixels are loaded (single-frame images only) or until the object
    is freed. CPython frees it when the last reference goes, but references
    outlive the function more often than one expects: a stored exception's
    traceback keeps the whole frame alive, a long-lived variable keeps the
    image, a suspended generator keeps its locals (the first two are measured
    below; generators under LFD301/LFD302). Each such image is one descriptor,
    and a loader that keeps them runs into `OSError: [Errno 24] Too many open
    files` (measured under LFD103). Interpreters without reference counting,
    such as PyPy, close it only at a collection; lint_fd has not measured them.

    ## Evidence

    `tests/runtime/test_lfd101.py` runs two cases with Pillow. In the first,
    `image_size()` opens a PNG and raises before returning; while the caller
    keeps the exception, the image's descriptor stays open (1 descriptor into
    the data folder in `/proc/self/fd`, still 1 after `gc.collect()`), and a
    `ResourceWarning: unclosed file` appears when the exception is dropped.
    In the second, a script opens a 3-frame GIF into a global and converts
    it: the descriptor stays open after the pixels are loaded, for as long as
    the global lives. The `with` versions hold 0 descriptors and warn nothing.
    When the function simply returns, CPython frees the image at once (0
    descriptors) but still warns; the test measures that too.
    For the other kinds (npz archives, HDF5, zip and tar archives, video
    captures and writers, imageio readers, sound and wave files, temporary
    files, fileinput streams, `GzipFile`/`BZ2File`/`LZMAFile`),
    `tests/runtime/test_stack.py` measures one descriptor per open object, held
    until it is released (the numbers are under LFD103).
    `lint-fd confirm` repeats the measurements on your installed versions.

    ## Example

    ```python
    from PIL import Image


    def load(path):
        img = Image.open(path)  # expect: LFD101
        if img.mode != "RGB":
            return img.convert("RGB")   # the opened image is never closed
        return img.copy()
    ```

    ## Use instead

    ```python
    from PIL import Image


    def load(path):
        with Image.open(path) as img:
            return img.convert("RGB")
    ```

    A video capture is not a context manager: release it in `finally`.

    ```python
    cap = cv2.VideoCapture(path)
    try:
        ok, frame = cap.read()
    finally:
        cap.release()
    ```
    """

    code = "LFD101"
    symbol = "resource-not-closed"
    pylint_id = "W8101"
    template = "{what} opened here is not closed on every path; {fix}"


@rule
class ResourceNotClosedOnError(Rule):
    """
    ## What it flags

    Every normal path closes the resource (or hands it on), but a call between
    the open and the close can raise, and the close is neither in `finally`
    nor managed by `with`, nor in an `except` that catches that exception.
    Calls (including the resource's own `read`, `write`, `load`) and `raise`
    open exception paths; attribute reads, constants and name copies do not.
    An `except OSError` covers I/O on the resource itself, not other calls.
    A `with` enters its items in order: in `with src as f, open(q) as g:`
    an error in `open(q)` exits `src`, which is safe; in
    `with open(q) as g, src as f:` it comes before `src` is entered.
    It applies to every resource kind:

    {resource_kinds}

    ## Why it matters

    The error path is where descriptors pile up: a loader that retries or
    skips bad files catches the exception, and the traceback it keeps (for
    logging, for re-raising later, in a list of failures) keeps the frame and
    with it the unclosed image or file.

    ## Evidence

    `tests/runtime/test_lfd102.py` opens an image, raises before the close,
    and keeps the caught exception: the descriptor is still open while the
    exception is stored, and is gone in the `with` version.

    ## Example

    ```python
    import numpy as np
    from PIL import Image


    def load_pixels(path):
        img = Image.open(path)  # expect: LFD102
        pixels = np.asarray(img)      # may raise: truncated or corrupt file
        img.close()
        return pixels
    ```

    ## Use instead

    ```python
    import numpy as np
    from PIL import Image


    def load_pixels(path):
        with Image.open(path) as img:
            return np.asarray(img)
    ```
    """

    code = "LFD102"
    symbol = "resource-not-closed-on-error"
    pylint_id = "W8102"
    template = "{what} opened here is closed on normal paths but not if an exception is raised before the close; {fix}"


@rule
class ResourcesAccumulated(Rule):
    """
    ## What it flags

    Resources created in a loop or a comprehension and kept alive together
    without being closed: `[Image.open(p) for p in paths]`,
    `batch.append(Image.open(p))` in a loop, `thumbs[name] = Image.open(name)`.
    This code replaces LFD101/LFD102 for such a resource: `[zipfile.ZipFile(p)
    for p in shards]`, a list of `h5py.File`s, of `cv2.VideoCapture`s. It
    applies to every resource kind:

    {resource_kinds}

    Not flagged: closing them all later (`for im in images: im.close()`, or a
    helper of the project that does), entering each into an `ExitStack`,
    keeping converted copies (`Image.open(p).convert("RGB")` holds no
    descriptor), or handing the whole container to its new owner (returned,
    yielded, stored on `self`). Handing the list to a function of another
    library is not handing it over: `out = process(images); return out`
    returns what `process` made, while every image is still open here.
    Factories of the project count wherever they are defined (a helper of
    another module that returns `Image.open(p)`, a function defined inside
    the loop's function, `open_image = Image.open`), and so does
    `list(map(lambda p: Image.open(p), paths))`.

    ## Why it matters

    Open descriptors grow with the data. The default soft limit is often
    1024: a list of a thousand lazily opened images is enough for
    `OSError: [Errno 24] Too many open files`, and with multi-frame GIF/TIFF
    files Pillow keeps the descriptor even after loading the pixels.

    ## Evidence

    `tests/runtime/test_lfd103.py` lowers `RLIMIT_NOFILE` in a subprocess and
    builds the list below over more images than the limit: it fails with
    `Too many open files`; the fixed version loads every image.
    `tests/runtime/test_stack.py` does the same for every other kind, 40 files
    under a limit of the open descriptors + 25: the descriptors grow by one per
    kept object (npz, HDF5, zip, tar, imageio, wave, temporary and compressed
    files: `OSError: [Errno 24] Too many open files` after 25; soundfile:
    libsndfile's "System error"; OpenCV raises nothing, the captures and writers
    past the limit are silently not opened). Released one at a time, every file
    loads with at most one data descriptor open. A `np.load(..., mmap_mode="r")`
    memmap also holds one descriptor until freed, but it has no `close()`, so it
    is not flagged; `.npy` arrays, `shelve` (dbm.dumb here) and imageio writers
    hold none.

    ## Example

    ```python
    from PIL import Image


    def load_all(paths):
        images = [Image.open(p) for p in paths]  # expect: LFD103
        return [img.size for img in images]
    ```

    ## Use instead

    ```python
    from PIL import Image


    def load_all(paths):
        images = []
        for p in paths:
            with Image.open(p) as img:
                images.append(img.convert("RGB"))   # a copy in memory, no descriptor
        return images
    ```
    """

    code = "LFD103"
    symbol = "resources-accumulated"
    pylint_id = "W8103"
    template = "{what} opened in a loop are kept open together, so open descriptors grow with the data; {fix}"


@rule
class ResourceTemporary(Rule):
    """
    ## What it flags

    (Off by default: turn it on with strict mode or by selecting LFD104.)
    A resource that is never bound to a name, used as a temporary:
    `Image.open(p).convert("RGB")`, `np.asarray(Image.open(p))`,
    `open(p).read()`, `json.load(open(p))`, `np.load("x.npz")["x"]`,
    `zipfile.ZipFile(p).namelist()`, `lambda p: open(p).read()`, a default
    value `def f(text=open(p).read())`. Only the garbage collector closes it.
    `open(p, "a").close()` is closed at once and is not flagged; a temporary
    that is returned or stored is handed on and is not flagged either. Passed
    to a function lint_fd cannot see, it is read, not handed on:
    `return process(Image.open(p))` is flagged. `gzip.open(io.BytesIO(data))`
    and `gzip.open(f)` on a file another owner manages open no descriptor and
    are not resources, nor is an archive handed a file object by keyword or
    position (`tarfile.open(fileobj=f)`, `gzip.GzipFile("", "rb", 9, f)`).
    It applies to every resource kind:

    {resource_kinds}

    ## Why it matters

    On CPython the temporary is usually freed at the end of the statement, so
    the descriptor does not build up: this rule is about hygiene and
    portability. Each such temporary still emits `ResourceWarning: unclosed
    file` (visible under `python -X dev` and in pytest): the file was closed by
    the garbage collector, not by the program. On interpreters without
    reference counting (PyPy, not measured by lint_fd) it would stay open until
    a collection.

    ## Evidence

    `tests/runtime/test_lfd104.py` runs `open(p).read()` and
    `Image.open(p).size` under warning capture: each emits a ResourceWarning
    (an unclosed file is finalised by the garbage collector); the `with`
    versions emit none.

    ## Example

    ```python
    import json

    config = json.load(open("config.json"))  # expect: LFD104
    ```

    ## Use instead

    ```python
    import json

    with open("config.json") as f:
        config = json.load(f)
    ```
    """

    code = "LFD104"
    symbol = "resource-temporary"
    pylint_id = "W8104"
    template = "{what} opened here is never bound or closed, so only the garbage collector closes it; {fix}"
    default_enabled = False


def check(facts, settings) -> list:
    """One family-1 code per opening call: LFD103 for accumulated resources, else LFD101 over LFD102."""
    from ..analysis.sites import Fate
    from ..diagnostics import make

    found = []
    for site in facts.sites:
        if site.call is None:
            continue
        kind = site.kind
        position = (site.call.lineno, site.call.col_offset)
        if site.fate is Fate.TEMPORARY:
            found.append(make(ResourceTemporary.code, *position, what=_capital(kind.what),
                              fix=f'use "{kind.opener}"' if kind.managed else _release_in_finally(kind, "bind it and ")))
        elif site.fate is not Fate.BOUND:
            continue
        elif site.accumulated:
            if site.leaked_normal:
                found.append(make(ResourcesAccumulated.code, *position, what=_plural(_capital(kind.what)),
                                  fix=_keep_copies(kind)))
        elif site.leaked_normal:
            found.append(make(ResourceNotClosed.code, *position, what=_capital(kind.what),
                              fix=f'open it with "{kind.opener}"' if kind.managed else _release_in_finally(kind)))
        elif site.leaked_error and site.released:  # a resource only ever handed on is not blamed for errors before
            found.append(make(ResourceNotClosedOnError.code, *position, what=_capital(kind.what),
                              fix=f'use "{kind.opener}" or close it in "finally"' if kind.managed
                              else _release_in_finally(kind)))
    return found


def _release_in_finally(kind, prefix: str = "") -> str:
    """The fix for a resource that is not a context manager (a video capture)."""
    return f'{prefix}call "{kind.opener}" in "finally" (it is not a context manager)'


def _plural(what: str) -> str:
    """``PIL images``, ``PIL images returned by load()``: the noun before what qualifies it."""
    noun, returned, source = what.partition(" returned by ")
    return f"{noun}s{returned}{source}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _keep_copies(kind) -> str:
    if not kind.managed:
        return f'keep what you need and call "{kind.opener}" on each one in "finally"'
    if kind.is_image:
        return f'keep what you need (img.convert("RGB"), img.copy(), np.asarray(img)) made inside "{kind.opener}"'
    return f'read what you need inside "{kind.opener}" and keep that, or close each one'
