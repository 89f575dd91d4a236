"""check_source never raises and never fails internally (LFD999), whatever it is given.

Awkward encodings and whitespace, huge and deeply nested files, every piece
of syntax the running interpreter accepts, random programs built from the
statements data-loading code is made of (hypothesis), random programs from
Python's grammar (hypothesmith), and, in a slow test, the standard library
and the installed keras, PIL and tensorflow/python trees.
"""
from __future__ import annotations

import ast
import importlib.util
import os
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from lint_fd.api import check_source
from lint_fd.diagnostics import RULES
from lint_fd.settings import Settings

STRICT = Settings(strict=True)


def parses(source: str | bytes) -> bool:
    try:
        ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def assert_sound(source: str | bytes, settings: Settings = STRICT, expect_e999: bool | None = None) -> list:
    """check_source's result is well formed: no LFD999, known codes, positions in the file."""
    found = check_source(source, "<test>", settings)
    assert all(d.code != "LFD999" for d in found), found
    if expect_e999 is None:
        expect_e999 = not parses(source)
    if expect_e999:
        assert [d.code for d in found] == ["E999"], found
    else:
        assert all(d.code in RULES for d in found), found
        text = source.decode("utf-8", "replace") if isinstance(source, bytes) else source
        last_line = max(len(text.splitlines()), 1)
        assert all(1 <= d.line <= last_line and d.col >= 0 for d in found), found
    return found


PIL_BODY = "from PIL import Image\n\ndef load(p):\n    img = Image.open(p)\n    return img.size\n"


# --- encodings and whitespace -----------------------------------------------------

@pytest.mark.parametrize("source", [
    b"\xef\xbb\xbf" + PIL_BODY.encode(),
    b"# -*- coding: latin-1 -*-\nname = '\xe9t\xe9'\n" + PIL_BODY.encode(),
    b"# vim: set fileencoding=cp1252 :\nname = '\x80'\n",
    b"# coding: utf-16\nx = 1\n",
    b"# coding: no-such-codec\nx = 1\n",
    b"\xef\xbb\xbf# coding: latin-1\nx = 1\n",
    PIL_BODY.replace("\n", "\r\n").encode(),
    PIL_BODY.replace("\n", "\r").encode(),
    PIL_BODY.replace("    ", "\t").encode(),
    b"def f(p):\n\tif p:\n        return 1\n",
    b"\x0c" + PIL_BODY.replace("\ndef", "\n\x0c\ndef").encode(),
    b"def f(p):\n    \x0cimg = open(p)\n    return img\n",
    b"x = 1\n\x00\n",
    b"x = '\x00'\n",
    b"img = open('\xff\xfe')\n",
    b"\xff\xfe\x00\x00",
    b"",
    b"\n\n\n",
    b"# only a comment",
    b"x = 1",  # no final newline
    b"if True:\n    x = 1\n  y = 2\n",  # bad dedent
    b"x = '''unterminated\n",
    "s = '\\ud800'\n".encode("utf-8", "surrogatepass"),
])
def test_awkward_bytes(source):
    assert_sound(source)
    assert_sound(source.decode("latin-1"))


def test_nul_bytes_are_e999():
    assert_sound(b"x = 1\x00\n", expect_e999=True)
    assert_sound("x = 1\x00\n", expect_e999=True)


def test_invalid_utf8_is_e999():
    assert_sound(b"x = '\xff\xfe'\n", expect_e999=True)


# --- size and depth --------------------------------------------------------------------

def test_huge_file():
    chunk = textwrap.dedent("""
        def f{i}(paths):
            imgs = []
            for p in paths:
                img = Image.open(p)
                if img.width > {i}:
                    imgs.append(img)
                    continue
                try:
                    data = open(p).read()
                finally:
                    img.close()
            with open(paths[0]) as fh:
                yield fh.read()
    """)
    lines_per_chunk = chunk.count("\n")
    source = "from PIL import Image\n" + "".join(chunk.format(i=i) for i in range(50_000 // lines_per_chunk))
    assert source.count("\n") >= 49_000
    assert_sound(source)


def _nested(depth: int, opener: str, indent: str = " ") -> str:
    lines = [indent * level + opener.format(i=level) for level in range(depth)]
    return "\n".join(lines + [indent * depth + "img = Image.open(p)", ""])


DEEP = {
    "if-90": _nested(90, "if c{i}:"),
    "if-200": _nested(200, "if c{i}:"),  # too many levels of indentation: E999
    "for-90": _nested(90, "for x{i} in xs:"),
    "with-90": _nested(90, "with open(p{i}) as f{i}:"),
    "try-90": "\n".join(" " * i + "try:" for i in range(90)) + "\n" + " " * 90 + "img = Image.open(p)\n"
    + "\n".join(" " * i + "finally:\n" + " " * (i + 1) + "img.close()" for i in reversed(range(90))) + "\n",
    "def-90": _nested(90, "def f{i}():"),
    "paren-150": "x = " + "(" * 150 + "Image.open(p)" + ")" * 150 + "\n",
    "paren-1000": "x = " + "(" * 1000 + "1" + ")" * 1000 + "\n",  # too many nested parentheses: E999
    "list-150": "x = " + "[" * 150 + "open(p)" + "]" * 150 + "\n",
    "elif-2900": "if a:\n    pass\n" + "".join(f"elif b{i}:\n    img = Image.open(p)\n" for i in range(2900)),
    "elif-in-function-300": "def f(c, p):\n    if c == -1:\n        pass\n"
    + "".join(f"    elif c == {i}:\n        img = Image.open(p)\n" for i in range(300)) + "    return img\n",
    "elif-in-function-2900": "def f(c, p):\n    if c == -1:\n        pass\n"
    + "".join(f"    elif c == {i}:\n        img = Image.open(p)\n" for i in range(2900)) + "    return img\n",
    "elif-5000": "if a:\n    pass\n" + "".join(f"elif b{i}:\n    img = Image.open(p)\n" for i in range(5000)),
    "binop-2900": "x = " + " + ".join(["Image.open(p)"] * 2900) + "\n",
    "binop-100000": "x = " + " + ".join(["a"] * 100_000) + "\n",
    "ternary-2900": "img = " + " if c else ".join(["Image.open(p)"] * 2900) + "\n",
    "attr-2900": "x = Image.open(p)" + ".b" * 2900 + "\n",
    "call-chain-2900": "x = Image.open(p)" + ".convert('L')" * 2900 + "\n",
    "not-2900": "x = " + "not " * 2900 + "open(p)\n",
    "boolop-20000": "x = " + " or ".join(["open(p)"] * 20_000) + "\n",
    "compare-20000": "x = " + " < ".join(["open(p)"] * 20_000) + "\n",
    "lambda-500": "f = " + "lambda: " * 500 + "open(p)\n",
    "strings-20000": "x = " + " ".join(['"a"'] * 20_000) + "\n",
    "fstring-nested": "x = f'{open(p)!r:>{w}}' f'{f\"{img}\"}'\n",
}


@pytest.mark.parametrize("name", sorted(DEEP))
def test_deep_and_long_shapes(name):
    source = "from PIL import Image\n" + DEEP[name]
    assert_sound(source)


def test_recursion_limit_is_left_as_found():
    before = sys.getrecursionlimit()
    assert_sound("from PIL import Image\n" + DEEP["elif-2900"])
    assert sys.getrecursionlimit() == before


# --- every syntax the interpreter accepts ------------------------------------------

SYNTAX = {
    "match": """
        def f(cmd, p):
            match cmd:
                case {"open": str(path)} if path:
                    img = Image.open(path)
                    return img
                case [first, *rest]:
                    with open(first) as fh:
                        return fh.read()
                case Point(x=0) | Point(y=0):
                    pass
                case _:
                    f = open(p)
    """,
    "walrus": """
        def f(p):
            if (img := Image.open(p)).width > 10:
                return img
            while (line := (fh := open(p)).readline()):
                print(line)
            return [y for x in p if (y := open(x))]
    """,
    "except-star": """
        def f(p):
            img = Image.open(p)
            try:
                img.load()
            except* OSError as group:
                img.close()
                raise
            except* ValueError:
                pass
    """,
    "pos-only-and-kw-only": """
        def f(p, /, q=None, *, mode="r", **kw):
            return open(p, mode)
    """,
    "async": """
        async def f(p):
            async with lock:
                img = Image.open(p)
            async for chunk in stream(p):
                fh = open(chunk)
                await fh.read()
            return [await g(x) async for x in xs]
    """,
    "decorators": """
        import contextlib
        @contextlib.contextmanager
        def opened(p):
            f = open(p)
            try:
                yield f
            finally:
                f.close()
        @(lambda fn: fn)
        def g(): pass
    """,
    "parenthesized-with": """
        def f(a, b):
            with (
                open(a) as fa,
                open(b) as fb,
            ):
                return fa.read() + fb.read()
    """,
    "generic-def": """
        def first[T](xs: list[T]) -> T:
            f = open(xs[0])
            return xs[0]
        class Box[T: (int, str), *Ts, **P]:
            def get(self) -> T: ...
        type Alias[K] = dict[K, Image.Image]
    """,
    "pep701-fstrings": """
        def f(p, items):
            return f"{open(p).read()!r} {"nested " + f'{items["k"]}'} {'\\n'.join(items)}"
    """,
    "type-param-defaults": """
        def f[T = int](x: T) -> T:
            img = Image.open(x)
            return x
    """,
    "except-without-parens": """
        def f(p):
            fh = open(p)
            try:
                return fh.read()
            except ValueError, TypeError:
                fh.close()
    """,
    "template-strings": """
        def f(p):
            img = Image.open(p)
            return t"{img.size}"
    """,
    "finally-control-flow": """
        def f(ps):
            for p in ps:
                fh = open(p)
                try:
                    return fh.read()
                finally:
                    continue
    """,
    "global-nonlocal": """
        CACHE = None
        def f(p):
            global CACHE
            CACHE = open(p)
            def g():
                nonlocal p
                p = open(p)
            return g
    """,
    "star-expressions": """
        def f(*ps):
            a, *rest = [open(p) for p in ps]
            return {**{p: Image.open(p) for p in ps}}, (*rest,)
    """,
    "misplaced-statements": """
        break
        continue
        return open(p)
        yield Image.open(p)
        await open(p)
        class C:
            return 1
            yield open(p)
        img = Image.open(p)
        del img
        del img
    """,
}


@pytest.mark.parametrize("name", sorted(SYNTAX))
def test_all_syntax_the_interpreter_accepts(name):
    source = "from PIL import Image\n" + textwrap.dedent(SYNTAX[name])
    if not parses(source):
        pytest.skip(f"{name} does not parse on Python {sys.version_info[:2]}")
    assert_sound(source)


# --- random programs from data-loading statements (hypothesis) ---------------------

NAMES = st.sampled_from(["img", "f", "fh", "it", "g", "x"])
OPENERS = st.sampled_from([
    "Image.open(p)", "PIL.Image.open(p)", "pil_open(p)", "open(p)", "open(p, 'rb')", "io.open(p)",
    "gzip.open(p)", "pathlib.Path(p).open()", "make(p)", "gen(p)", "datagen.flow_from_directory(p)",
    "Image.open(io.BytesIO(data))", "Image.open(p).convert('RGB')", "contextlib.closing(open(p))",
    "[Image.open(q) for q in ps]", "{q: open(q) for q in ps}", "x", "None", "stack.enter_context(open(p))",
])


@st.composite
def simple_statement(draw):
    name = draw(NAMES)
    template = draw(st.sampled_from([
        "{n} = {o}", "{n} = {m} = {o}", "{n}.close()", "return {n}", "return", "yield {n}", "yield", "yield from {n}",
        "break", "continue", "pass", "del {n}", "items.append({n})", "self.{n} = {n}", "use({n})",
        "raise ValueError({n})", "raise", "next({n})", "{n}.load()", "{o}.close()", "{o}", "global {n}",
        "{n}, {m} = {o}, {o}", "{n} += 1", "assert {n}", "{n}.read()", "model.fit({n})", "stack.callback({n}.close)",
        "return {o}", "items = [{o} for _ in ps]", "{n} = lambda: {o}",
    ]))
    return template.format(n=name, m=draw(NAMES), o=draw(OPENERS))


def _indent(lines: list[str]) -> list[str]:
    return ["    " + line for line in lines] or ["    pass"]


def compound(body):
    """Strategies for the compound statements, each wrapping one or more bodies."""
    name, opener = NAMES, OPENERS

    def block(header, *bodies_and_headers):
        return [header, *_indent(bodies_and_headers[0])] + [
            line for pair in zip(bodies_and_headers[1::2], bodies_and_headers[2::2])
            for line in [pair[0], *_indent(pair[1])]
        ]

    return st.one_of(
        st.builds(lambda o, n, b: block(f"with {o} as {n}:", b), opener, name, body),
        st.builds(lambda n, b: block(f"with {n}:", b), name, body),
        st.builds(lambda n, b: block(f"if {n}:", b), name, body),
        st.builds(lambda n, a, b: block(f"if not {n}:", a, "else:", b), name, body, body),
        st.builds(lambda n, a, b: block(f"if {n}:", a, "elif x:", b), name, body, body),
        st.builds(lambda n, o, a, b: block(f"for {n} in {o}:", a, "else:", b), name, opener, body, body),
        st.builds(lambda n, b: block(f"while {n}:", b), name, body),
        st.builds(lambda b: block("while True:", b), body),
        st.builds(lambda a, b: block("try:", a, "finally:", b), body, body),
        st.builds(lambda a, b, c: block("try:", a, "except OSError as e:", b, "else:", c), body, body, body),
        st.builds(lambda a, b: block("try:", a, "except:", b), body, body),
        st.builds(lambda a, b: block("try:", a, "except* ValueError:", b), body, body),
        st.builds(lambda n, a, b: block(f"match {n}:", ["case [x, *_]:", *_indent(a), "case _:", *_indent(b)]),
                  name, body, body),
        st.builds(lambda n, b: block(f"def {n}(p):", b), name, body),
        st.builds(lambda n, b: block(f"async def {n}(p):", ["await x", *b]), name, body),
        st.builds(lambda b: ["@contextlib.contextmanager", *block("def cm(p):", b)], body),
        st.builds(lambda b: block("class C:", b), body),
    )


STATEMENTS = st.recursive(
    st.lists(simple_statement(), min_size=1, max_size=4),
    lambda body: st.lists(st.one_of(compound(body), st.lists(simple_statement(), min_size=1, max_size=3)),
                          min_size=1, max_size=4).map(lambda blocks: [line for b in blocks for line in b]),
    max_leaves=25,
)

PRELUDE = """\
import contextlib, gzip, io, pathlib, PIL
from PIL import Image
from PIL.Image import open as pil_open
from tensorflow.keras.preprocessing.image import ImageDataGenerator
datagen = ImageDataGenerator()
def make(p):
    return Image.open(p)
def gen(p):
    f = open(p)
    yield f.read()
"""


@st.composite
def programs(draw):
    body = draw(STATEMENTS)
    where = draw(st.sampled_from(["function", "generator", "method", "module"]))
    if where == "module":
        return PRELUDE + "\n".join(body) + "\n"
    header = {"function": "def f(p, ps, data, items, stack, model):",
              "generator": "def f(p, ps, data, items, stack, model):\n    yield",
              "method": "class Loader:\n  def f(self, p, ps, data, items, stack, model):"}[where]
    pad = "      " if where == "method" else "    "
    return PRELUDE + header + "\n" + "\n".join(pad + line for line in body) + "\n"


FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(programs(), st.sampled_from([Settings(), STRICT, Settings(select=("LFD3",))]))
def test_random_data_loading_programs(source, lint_settings):
    assert_sound(source, lint_settings)


@FAST
@given(programs())
def test_random_programs_are_deterministic_and_encoding_independent(source):
    first = check_source(source, "<test>", STRICT)
    assert check_source(source.encode(), "<test>", STRICT) == first
    assert check_source(source, "<test>", STRICT) == first


try:
    import hypothesmith
except ImportError:  # pragma: no cover - it is in the test extra
    hypothesmith = None
GRAMMAR_PROGRAMS = hypothesmith.from_grammar() if hypothesmith else st.nothing()  # built once: it compiles a grammar


@pytest.mark.skipif(hypothesmith is None, reason="hypothesmith is not installed")
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(GRAMMAR_PROGRAMS)
def test_random_programs_from_the_grammar(source):
    assert_sound(source)


# --- real code ----------------------------------------------------------------------

def _site_package(name: str, sub: str = "") -> str | None:
    """Where an installed package lives, found without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = os.path.join(list(spec.submodule_search_locations)[0], sub)
    return path if os.path.isdir(path) else None


@pytest.mark.slow
def test_stdlib_and_ml_libraries_never_fail_internally(tmp_path):
    corpus = [sysconfig.get_paths()["stdlib"]]
    corpus += [p for p in (_site_package("keras"), _site_package("PIL"), _site_package("tensorflow", "python")) if p]
    proc = subprocess.run(
        [sys.executable, "-m", "lint_fd.cli", "--jobs", "2", "--no-cache", "--isolated", "--strict",
         "--exclude", "site-packages", *corpus],
        capture_output=True, text=True, cwd=tmp_path, timeout=1800,
    )
    assert proc.returncode in (0, 1), proc.stderr[-5000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-5000:]
    failures = [line for line in proc.stdout.splitlines() if ": LFD999 " in line]
    assert failures == [], "\n".join(failures[:50])
    unparsed = [line.split(":")[0] for line in proc.stdout.splitlines() if ": E999 " in line]
    really_broken = [path for path in unparsed if parses(Path(path).read_bytes())]
    assert really_broken == [], really_broken
