"""Unit tests of the engine's parts: what names mean, which calls open a resource,
and how the flow walk ends each resource. The fixtures test whole rules; these pin
down the pieces those rules are built from."""
from __future__ import annotations

import ast
import textwrap

import pytest

from lint_fd.analysis.engine import ModuleAnalysis, innermost_scope_nodes
from lint_fd.analysis.imports import SCALAR_FIELDS, ImportMap, definition_header, scope_nodes
from lint_fd.analysis.sites import Fate
from lint_fd.api import check_source
from lint_fd.settings import Settings


def module(source: str) -> ast.Module:
    return ast.parse(textwrap.dedent(source))


def codes(source: str, strict: bool = True) -> list[tuple[int, str]]:
    return [(d.line, d.code) for d in check_source(textwrap.dedent(source), settings=Settings(strict=strict))]


# --- names -------------------------------------------------------------------

@pytest.mark.parametrize(
    "imports, expression, expected",
    [
        ("from PIL import Image", "Image.open", "PIL.Image.open"),
        ("import PIL.Image as pim", "pim.open", "PIL.Image.open"),
        ("from PIL.Image import open as pil_open", "pil_open", "PIL.Image.open"),
        ("import PIL", "PIL.Image.open", "PIL.Image.open"),
        ("import PIL.Image", "PIL.Image.open", "PIL.Image.open"),
        ("", "open", "builtins.open"),
        ("import io", "io.open", "io.open"),
        ("import tensorflow as tf", "tf.keras.preprocessing.image.ImageDataGenerator",
         "tensorflow.keras.preprocessing.image.ImageDataGenerator"),
        ("from tensorflow import keras", "keras.preprocessing.image.ImageDataGenerator",
         "tensorflow.keras.preprocessing.image.ImageDataGenerator"),
        ("from keras.preprocessing import image", "image.ImageDataGenerator",
         "keras.preprocessing.image.ImageDataGenerator"),
        ("from keras_preprocessing.image import *", "ImageDataGenerator",
         "keras_preprocessing.image.ImageDataGenerator"),
    ],
)
def test_import_forms_qualify_to_the_same_name(imports, expression, expected):
    names = ImportMap(module(imports))
    assert names.qualify(ast.parse(expression, mode="eval").body) == expected


@pytest.mark.parametrize(
    "shadowing",
    ["def open(path):\n    return path", "from webbrowser import open", "open = print", "from os import *"],
)
def test_a_module_level_open_shadows_the_builtin(shadowing):
    names = ImportMap(module(shadowing))
    assert names.qualify(ast.Name("open")) != "builtins.open"


def test_a_local_binding_shadows_the_builtin_in_that_function_only():
    source = """
    def reader(open):
        f = open("x")
        return f.read()

    def leaky(p):
        f = open(p)
        return f.read()
    """
    assert codes(source) == [(7, "LFD101")]


def test_a_function_level_import_shadows_the_module_import():
    source = """
    from PIL import Image

    def other(p):
        from wand.image import Image
        img = Image.open(p)
        return img.size
    """
    assert codes(source) == []


# --- sources -----------------------------------------------------------------

def sites_of(source: str):
    analysis = ModuleAnalysis(module(source), textwrap.dedent(source), Settings())
    scopes = analysis.candidate_scopes()
    from lint_fd.analysis.sites import find_sites

    return [site for scope in scopes for site in find_sites(scope, analysis.finder, analysis.parents).sites]


@pytest.mark.parametrize(
    "line, fate",
    [
        ("img = Image.open(p)", Fate.BOUND),
        ("with Image.open(p) as img: pass", Fate.MANAGED),
        ("open(p, 'a').close()", Fate.RELEASED),
        ("return open(p)", Fate.ESCAPED),
        ("self.fp = open(p)", Fate.ESCAPED),
        ("x = np.asarray(Image.open(p))", Fate.TEMPORARY),
        ("stack.enter_context(open(p))", Fate.MANAGED),
    ],
)
def test_the_syntax_around_an_opening_call_decides_its_fate(line, fate):
    source = f"from PIL import Image\nimport numpy as np\ndef f(self, p, stack):\n    {line}\n"
    (site,) = sites_of(source)
    assert site.fate is fate


@pytest.mark.parametrize(
    "argument",
    ["io.BytesIO(data)", "f", "response.raw"],
)
def test_image_open_on_a_file_object_is_not_a_resource(argument):
    source = f"""
    import io
    from PIL import Image

    def f(data, response, path):
        with open(path, "rb") as f:
            img = Image.open({argument})
            return img.size
    """
    assert [s for s in sites_of(source) if "PIL" in s.kind.what] == []


def test_a_module_function_returning_a_fresh_resource_is_a_factory():
    source = """
    from PIL import Image

    def load(p):
        img = Image.open(p)
        img.load()
        return img

    def size(p):
        img = load(p)
        return img.size
    """
    assert codes(source) == [(10, "LFD101")]


def test_a_function_returning_a_converted_copy_is_not_a_factory():
    source = """
    from PIL import Image

    def load_rgb(p):
        with Image.open(p) as img:
            return img.convert("RGB")

    def size(p):
        img = load_rgb(p)
        return img.size
    """
    assert codes(source) == []


# --- flow --------------------------------------------------------------------

@pytest.mark.parametrize(
    "body, expected",
    [
        # every path closes
        ("f = open(p)\ntry:\n    return f.read()\nfinally:\n    f.close()", []),
        # a call between open and close can raise
        ("f = open(p)\ndata = f.read()\nf.close()\nreturn data", ["LFD102"]),
        # the close runs only on one branch
        ("f = open(p)\nif p.endswith('x'):\n    f.close()", ["LFD101"]),
        # images are always truthy: the close always runs
        ("f = open(p)\nif f:\n    f.close()", []),
        # ... and `not f` never holds
        ("f = open(p)\nif not f:\n    f.close()", ["LFD101"]),
        # a second name for the same file
        ("f = open(p)\ng = f\ng.close()", []),
        # rebinding the only name loses the file
        ("f = open(p)\nf = None", ["LFD101"]),
        # del is not a close
        ("f = open(p)\ndel f", ["LFD101"]),
        # an except that catches everything and closes covers the error path
        ("f = open(p)\ntry:\n    data = f.read()\nexcept BaseException:\n    f.close()\n    raise\nf.close()", []),
        # except OSError covers I/O on the file itself
        ("f = open(p)\ntry:\n    data = f.read()\nexcept OSError:\n    f.close()\n    raise\nf.close()", []),
        # ... but not other calls
        ("f = open(p)\ntry:\n    data = parse(p)\nexcept OSError:\n    f.close()\n    raise\nf.close()", ["LFD102"]),
        # an early return leaves it open
        ("f = open(p)\nfor line in f:\n    if line:\n        return line\nf.close()", ["LFD101"]),
        # the None-initialised pattern closes on every path
        ("f = None\ntry:\n    f = open(p)\n    return f.read()\nfinally:\n    if f is not None:\n        f.close()", []),
        # a close in a nested function that is never called is not a close
        ("f = open(p)\ndef done():\n    f.close()", ["LFD101"]),
        # match: every case closes
        ("f = open(p)\nmatch p:\n    case 'a':\n        f.close()\n    case _:\n        f.close()", []),
        # match without a default case: no case may match
        ("f = open(p)\nmatch p:\n    case 'a':\n        f.close()", ["LFD101"]),
    ],
)
def test_flow(body, expected):
    source = "def f(p, parse=None):\n" + textwrap.indent(body, "    ") + "\n"
    assert [code for _, code in codes(source, strict=False)] == expected


def test_loops_with_break_and_else():
    source = """
    def first_header(paths):
        for p in paths:
            f = open(p)
            if f.readline():
                break
            f.close()
        else:
            return None
        f.close()
    """
    assert codes(source) == [(4, "LFD102")]


def test_innermost_scope_of_a_line():
    tree = module(
        """
        x = 1
        def outer():
            def inner():
                return 2
            return inner
        class C:
            y = 3
            def method(self):
                pass
        """
    )
    outer = tree.body[1]

    def innermost(line):
        found = innermost_scope_nodes(tree, {line})
        return found[0] if found else None

    assert innermost(2) is tree
    assert innermost(5) is outer.body[0]
    assert innermost(6) is outer
    assert innermost(7) is tree  # the class statement itself (decorators, bases) runs in the module
    assert innermost(8) is tree.body[2]  # a class body outside its methods is a scope of its own
    assert innermost(10) is tree.body[2].body[1]
    assert {id(n) for n in innermost_scope_nodes(tree, {2, 5, 6, 10})} == {
        id(tree), id(outer.body[0]), id(outer), id(tree.body[2].body[1])
    }


def test_scope_nodes_skips_only_fields_that_hold_no_node():
    """The fields :func:`scope_nodes` skips are identifiers, strings or constants in the
    grammar of the running Python (each ``ast`` class's docstring gives its signature)."""
    for kind, skipped in SCALAR_FIELDS.items():
        signature = kind.__doc__.split("\n")[0]
        arguments = dict(reversed(part.split()) for part in signature[signature.index("(") + 1:-1].split(", "))
        for name in skipped:
            assert arguments[name].rstrip("?*") in {"identifier", "string", "constant", "int"}, (kind, name)


def test_scope_nodes_lists_every_node_of_the_scope_with_its_parent():
    tree = module(
        """
        @deco(a + 1)
        def f(x: int = g(), *, y=[1, 2]):
            z = x.attr[0] if y else -x
            def inner(q=h()):
                return q
            return lambda w: w + z
        """
    )
    func = tree.body[0]
    parents = {}
    by_type = {}
    nodes = scope_nodes(func, parents, by_type)
    expected = [n for stmt in func.body for n in iter_scope_with_lambdas(stmt)]
    assert [id(n) for n in nodes] == [id(n) for n in expected]
    assert {kind: [id(n) for n in group] for kind, group in by_type.items()} == {
        kind: [id(n) for n in nodes if type(n) is kind] for kind in {type(n) for n in nodes}
    }
    for node in expected:
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, (ast.expr_context, ast.operator, ast.unaryop)) and not isinstance(
                node, (ast.FunctionDef, ast.ClassDef)
            ):
                assert parents[child] is node
    assert all(parents[stmt] is func for stmt in func.body)


def iter_scope_with_lambdas(node):
    """Pre-order walk of one statement that enters lambdas but not defs (only their header)."""
    yield node
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        for child in definition_header(node):
            yield from iter_scope_with_lambdas(child)
        return
    for child in ast.iter_child_nodes(node):
        if not isinstance(child, ast.expr_context):
            yield from iter_scope_with_lambdas(child)


def test_a_function_import_means_what_its_last_import_in_the_source_says():
    tree = module(
        """
        def f():
            from a import name
            import b as name
            if name:
                from c import name
            return name
        def g():
            import b as name
            from a import name
            return name
        """
    )
    analysis = ModuleAnalysis(tree, "", Settings())
    assert analysis.scope_of(tree.body[0]).imports["name"] == "c.name"
    assert analysis.scope_of(tree.body[1]).imports["name"] == "a.name"
