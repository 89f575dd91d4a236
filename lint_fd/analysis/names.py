"""Small predicates about names and calls, shared by the site finder and the flow walk."""
from __future__ import annotations

import ast

from .resources import Scope

#: Qualified-name prefixes of libraries whose functions read a resource and keep no reference to it.
READER_PREFIXES = (
    "numpy.", "torch.", "tensorflow.", "tf_keras.", "keras.", "json.", "csv.", "pickle.", "yaml.", "tomllib.",
    "tomli.", "toml.", "hashlib.", "base64.", "cv2.", "imageio.", "skimage.", "torchvision.transforms.functional.",
    "PIL.ImageOps.", "PIL.ImageStat.", "PIL.ImageChops.", "PIL.ImageFilter.", "pandas.", "os.path.", "os.fstat",
    "shutil.copyfileobj", "struct.", "zlib.", "marshal.", "plistlib.", "configparser.", "xml.", "lxml.",
    "builtins.",
)
#: builtins that return something still tied to their argument (an iterator over a file...)
BUILTIN_PASS_THROUGH = frozenset(
    {"builtins.iter", "builtins.enumerate", "builtins.zip", "builtins.map", "builtins.filter",
     "builtins.reversed", "builtins.super", "builtins.setattr", "builtins.vars"}
)
#: unqualified names of well-known readers (when their import is not visible)
READER_NAMES = frozenset(
    {"img_to_array", "to_tensor", "pil_to_tensor", "exif_transpose", "asarray", "array", "imread", "load_image_array"}
)


def root_name(expr: ast.AST) -> str | None:
    """``images`` for ``images``, ``images[0]``, ``images.pop()``; None for ``self.x``."""
    while True:
        if isinstance(expr, ast.Name):
            return expr.id
        if isinstance(expr, ast.Subscript):
            expr = expr.value
        elif isinstance(expr, ast.Call):
            expr = expr.func
        elif isinstance(expr, ast.Attribute) and not isinstance(expr.value, ast.Name):
            expr = expr.value
        elif isinstance(expr, ast.Attribute):
            # images.pop -> images: a method of a plain local name; self.x is not a local
            return None if expr.value.id in {"self", "cls"} else expr.value.id
        else:
            return None


def is_local_container(name: str, scope: Scope) -> bool:
    """A container that dies with the scope: bound here, not a parameter, not global state."""
    if name in scope.escaping or name in scope.params or name in {"self", "cls"}:
        return False
    return scope.is_module or name in scope.local_names


def is_reader_call(func: ast.AST, qualified: str | None) -> bool:
    if qualified is not None:
        if qualified in BUILTIN_PASS_THROUGH:
            return False
        if qualified.startswith(READER_PREFIXES):
            return True
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in READER_NAMES
