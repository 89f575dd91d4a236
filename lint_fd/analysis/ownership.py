"""Ownership: which calls take what they are given, and which only read it.

The principle: a function that is not defined in the analysed code reads what it
is passed; it does not own it, whatever becomes of its result. ``out =
process(images); return out`` leaves the images with the caller. Ownership
moves only to

* a class or function of the analysed code that stores or returns the argument
  (the engine's summaries say which);
* a constructor call (a CamelCase callee, or the class at hand: ``cls(f)``,
  ``type(self)(f)``): the object built around the resource holds it, so it is handed
  on exactly when that object is (``return FileWrapper(f)``; ``self.reader =
  Reader(open(p))``);
* the well-known wrappers of :data:`OWNING_WRAPPERS`, lowercase ones included;
* the names the user lists under ``keeper-functions`` (they own what they receive,
  whatever becomes of their result).

Pass-through callables (``iter``, ``enumerate``, ``zip``, ``itertools.chain``,
``functools.partial``, ``tqdm``...) return an object that still references their
arguments: the result is as alive as they are, so it carries them.
"""
from __future__ import annotations

import ast

#: Wrappers that keep what they wrap for as long as they live (each: why it is here).
#: Handing the wrapper on hands the wrapped resource on; dropping the wrapper drops both.
OWNING_WRAPPERS: dict[str, str] = {
    # closing the text layer closes the binary buffer under it (TextIOWrapper.close)
    "io.TextIOWrapper": "closes its buffer",
    # BufferedReader/Writer/Random/RWPair.close() close the raw stream they wrap
    "io.BufferedReader": "closes its raw stream",
    "io.BufferedWriter": "closes its raw stream",
    "io.BufferedRandom": "closes its raw stream",
    "io.BufferedRWPair": "closes its raw streams",
    # GzipFile(fileobj=f) keeps f as its stream until closed (it does not close a passed
    # fileobj itself: whoever receives the wrapper also receives f through it)
    "gzip.GzipFile": "reads and writes through fileobj",
    "bz2.BZ2File": "reads and writes through the file object it is given",
    "lzma.LZMAFile": "reads and writes through the file object it is given",
    # gzip/bz2/lzma.open(f) on a file object: the compressed layer reads through f
    "gzip.open": "reads and writes through the file object it is given",
    "bz2.open": "reads and writes through the file object it is given",
    "lzma.open": "reads and writes through the file object it is given",
    # ZipFile(f) / tarfile.open(fileobj=f): the archive reads its members through f for
    # its whole life, so f goes wherever the archive goes
    "zipfile.ZipFile": "reads members through the file object",
    "tarfile.open": "reads members through fileobj",
    "tarfile.TarFile": "reads members through fileobj",
    # closing(x).__exit__ calls x.close()
    "contextlib.closing": "closes what it wraps on exit",
    # StreamReader/StreamWriter from codecs.getreader(enc)(f): close() closes the stream
    "codecs.StreamReader": "closes its stream",
    "codecs.StreamWriter": "closes its stream",
    "codecs.StreamReaderWriter": "closes its stream",
    # Django closes a FileResponse's file when the response is closed after sending
    "django.http.FileResponse": "closes the file after the response is sent",
    "django.http.response.FileResponse": "closes the file after the response is sent",
    # Flask/Werkzeug send_file wraps a file object in a FileWrapper the server closes
    "flask.send_file": "the WSGI server closes the wrapped file",
    "flask.helpers.send_file": "the WSGI server closes the wrapped file",
    "werkzeug.utils.send_file": "the WSGI server closes the wrapped file",
    "werkzeug.wsgi.wrap_file": "the WSGI server closes the wrapped file",
    "werkzeug.wsgi.FileWrapper": "close() closes the file",
    # Starlette/FastAPI responses stream their content to the client and then drop it
    "starlette.responses.FileResponse": "streams the file to the client",
    "starlette.responses.StreamingResponse": "streams the content to the client",
    "fastapi.responses.FileResponse": "streams the file to the client",
    "fastapi.responses.StreamingResponse": "streams the content to the client",
    # urllib's response objects (lowercase classes) close the fp they wrap
    "urllib.response.addinfourl": "close() closes fp",
    "urllib.response.addinfo": "close() closes fp",
    "urllib.response.addbase": "close() closes fp",
    "urllib.response.addclosehook": "close() closes fp",
}

#: Methods (by name: their receiver's type is not known) that hand their argument to an
#: object they return. asyncio's event loop: the pipe transport closes the pipe it is given.
OWNING_METHODS: dict[str, str] = {
    "connect_read_pipe": "the transport closes the pipe",
    "connect_write_pipe": "the transport closes the pipe",
}

#: callables (qualified) whose result is (or wraps) an iterator or callable over their arguments
PASS_THROUGH = frozenset(
    {"builtins.iter", "builtins.enumerate", "builtins.zip", "builtins.map", "builtins.filter",
     "builtins.reversed", "builtins.super", "builtins.setattr", "builtins.vars",
     "functools.partial", "tqdm.tqdm", "tqdm.auto.tqdm", "tqdm.notebook.tqdm", "tqdm.std.tqdm",
     # the synchronous form of ``await coro``: returns what the coroutine returns
     "asyncio.run", "asyncio.wait_for",
     # returns its second argument unchanged
     "typing.cast", "typing_extensions.cast"}
)
#: methods returning what their argument (a coroutine) returns: ``loop.run_until_complete(coro)``
PASS_THROUGH_METHODS = frozenset({"run_until_complete"})
#: modules every callable of which returns an iterator over its arguments
PASS_THROUGH_MODULES = ("itertools.", "more_itertools.")
#: codecs.getreader(enc)(f): the factory's product wraps f
STREAM_CODEC_FACTORIES = frozenset({"codecs.getreader", "codecs.getwriter"})


def is_constructor_name(name: str) -> bool:
    """``FileWrapper``, ``_ProxyFile``: CamelCase (private or not), not an ALL_CAPS constant."""
    name = name.lstrip("_")
    return bool(name) and name[0].isupper() and not name.isupper()


def is_own_class(func: ast.AST) -> bool:
    """The class at hand, called as a constructor: ``cls(f)`` in a classmethod,
    ``type(self)(f)``, ``self.__class__(f)``."""
    if isinstance(func, ast.Name):
        return func.id == "cls"
    if isinstance(func, ast.Attribute):
        return func.attr == "__class__" and isinstance(func.value, ast.Name) and func.value.id in {"self", "cls"}
    return (isinstance(func, ast.Call) and isinstance(func.func, ast.Name) and func.func.id == "type"
            and len(func.args) == 1 and isinstance(func.args[0], ast.Name) and func.args[0].id == "self")


def short_name(func: ast.AST) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def is_pass_through(qualified: str | None) -> bool:
    return qualified is not None and (qualified in PASS_THROUGH or qualified.startswith(PASS_THROUGH_MODULES))


def result_holds_arguments(func: ast.AST, qualified: str | None, finder, scope) -> bool:
    """Whether the object a call returns keeps its arguments alive (so it carries them
    wherever it goes): pass-through iterators, owning wrappers, constructors."""
    if is_pass_through(qualified) or qualified in OWNING_WRAPPERS:
        return True
    if isinstance(func, ast.Call) and finder.qualify(func.func, scope) in STREAM_CODEC_FACTORIES:
        return True  # codecs.getreader("utf-8")(f)
    if isinstance(func, ast.Name) and func.id == "tqdm":
        return True
    if isinstance(func, ast.Attribute) and (func.attr in OWNING_METHODS or func.attr in PASS_THROUGH_METHODS):
        return True
    return is_constructor_name(short_name(func)) or is_own_class(func)


def matches_setting(qualified: str | None, func: ast.AST, names: frozenset[str]) -> bool:
    """Whether a call goes to one of the dotted ``names`` of a setting (``keeper-functions``,
    ``release-functions``): by its qualified name, or by its last component when the
    setting gives a bare name."""
    if not names:
        return False
    if qualified is not None and qualified in names:
        return True
    return short_name(func) in names
