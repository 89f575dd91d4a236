"""Synthetic inputs for the benchmark: dense data-loading code and adversarial shapes.

``python bench/shapes.py NAME SIZE`` builds one shape, times ``ast.parse``
and ``lint_fd.api.check_source`` on it in this (fresh) process and prints
``{"lines", "parse_s", "check_s", "findings", "codes", "maxrss_kb"}`` as
JSON. The benchmark runs each shape in its own process with a timeout, so
one pathological shape cannot hang or poison the others.
"""
from __future__ import annotations

import ast
import json
import resource
import sys
import time
import warnings

PRELUDE = "import io\nfrom PIL import Image\n\n"

DENSE_CHUNK = '''
def load_{i}(paths, out):
    images = []
    for p in paths:
        img = Image.open(p)
        if img.width > {i}:
            images.append(img)
            continue
        try:
            data = open(p, "rb").read()
        finally:
            img.close()
    with open(paths[0]) as fh:
        out.write(fh.read())
    return images


def stream_{i}(paths):
    for p in paths:
        f = open(p)
        yield f.readline()
        f.close()
'''


def dense(lines: int) -> str:
    """Data-loading code where every function opens something: about ``lines`` lines."""
    per_chunk = DENSE_CHUNK.count("\n")
    return PRELUDE + "".join(DENSE_CHUNK.format(i=i) for i in range(max(1, lines // per_chunk)))


def _function(body: list[str], name: str = "f", params: str = "p, c, paths, out") -> str:
    return PRELUDE + f"def {name}({params}):\n" + "".join(f"    {line}\n" for line in body)


def sequential_ifs_same_name(n: int) -> str:
    """``n`` ifs one after the other, each may (re)bind the same name: 2**n paths."""
    body = []
    for i in range(n):
        body += [f"if c[{i}]:", "    img = Image.open(p)", "    img.load()"]
    return _function(body + ["return img"])


def sequential_ifs_distinct(n: int) -> str:
    """``n`` ifs, each opening its own image, half of them closed under another condition."""
    body = []
    for i in range(n):
        body += [f"if c[{i}]:", f"    img{i} = Image.open(p)", f"    out.append(img{i}.size)"]
        if i % 2:
            body += [f"if c[{i + 1}]:", f"    img{i}.close()"]
    return _function(body)


def nested_try(depth: int) -> str:
    """``depth`` nested try/finally blocks, each opening a file and closing it in its finally."""
    depth = min(depth, 95)  # the parser allows 100 levels of indentation
    lines = ["def f(p):"]
    for level in range(depth):
        pad = "    " * (level + 1)
        lines += [f"{pad}f{level} = open(p)", f"{pad}try:"]
    lines.append("    " * (depth + 1) + "out = f0.read()")
    for level in reversed(range(depth)):
        pad = "    " * (level + 1)
        lines += [f"{pad}finally:", f"{pad}    f{level}.close()"]
    return PRELUDE + "\n".join(lines) + "\n"


def nested_loops(depth: int) -> str:
    """``depth`` nested for loops with break/continue around an open."""
    depth = min(depth, 95)
    lines = ["def f(p, xs):"]
    for level in range(depth):
        pad = "    " * (level + 1)
        lines += [f"{pad}for x{level} in xs:", f"{pad}    if x{level}:", f"{pad}        continue"]
    pad = "    " * (depth + 1)
    lines += [f"{pad}img = Image.open(p)", f"{pad}if img.width:", f"{pad}    break", f"{pad}img.close()"]
    return PRELUDE + "\n".join(lines) + "\n"


def long_function(statements: int) -> str:
    """One function of ``statements`` statements; a file opens every 10 and closes 5 later."""
    body = []
    for i in range(statements):
        if i % 10 == 0:
            body.append(f"f{i} = open(paths[{i}])")
        elif i % 10 == 5:
            body.append(f"f{i - 5}.close()")
        elif i % 3:
            body.append(f"x{i} = out.compute({i}, p)")
        else:
            body.append(f"out.log(x{i - 1} if c else {i})")
    return _function(body)


def many_resources(n: int) -> str:
    """``n`` files open at once in one function, all used, then all closed."""
    body = [f"f{i} = open(paths[{i}])" for i in range(n)]
    body += [f"out.write(f{i}.read())" for i in range(n)]
    body += [f"f{i}.close()" for i in range(n)]
    return _function(body)


def elif_chain(n: int) -> str:
    """An ``if``/``elif`` chain ``n`` long (a tree ``n`` deep), an open in every branch."""
    body = ["if c == -1:", "    pass"]
    for i in range(n):
        body += [f"elif c == {i}:", f"    img = Image.open(paths[{i}])"]
    return _function(body + ["return img"])


def generator_yields(n: int) -> str:
    """A generator that holds a file across ``n`` yields inside try/finally."""
    body = ["f = open(p)", "try:"] + [f"    yield f.readline() + {i!r}" for i in range(n)]
    body += ["finally:", "    f.close()"]
    return _function(body, "gen", "p")


def many_functions(n: int) -> str:
    """``n`` small functions, each leaking or closing an image."""
    return PRELUDE + "".join(
        f"def f{i}(p):\n    img = Image.open(p)\n" + ("    img.close()\n" if i % 2 else "    return img.size\n")
        for i in range(n)
    )


def loops_with_exits(n: int) -> str:
    """``n`` loops, each opening a file with break, continue and return paths."""
    body = []
    for i in range(n):
        body += [f"for q in paths[{i}]:", "    fh = open(q)", "    if not q:", "        continue",
                 "    if q == p:", "        break", "    if c:", "        return fh", "    fh.close()"]
    return _function(body)


SHAPES = {
    "sequential ifs, one name": (sequential_ifs_same_name, 500),
    "sequential ifs, distinct names": (sequential_ifs_distinct, 500),
    "nested try/finally": (nested_try, 90),
    "nested loops": (nested_loops, 90),
    "very long function": (long_function, 10_000),
    "resources open at once": (many_resources, 3_000),
    "elif chain": (elif_chain, 2_500),
    "generator, many yields": (generator_yields, 2_000),
    "many small functions": (many_functions, 5_000),
    "loops with break/continue/return": (loops_with_exits, 500),
}


def build(name: str, size: int) -> str:
    return SHAPES[name][0](size) if name != "dense" else dense(size)


def main(argv: list[str]) -> int:
    name, size = argv[0], int(argv[1])
    source = build(name, size)
    warnings.simplefilter("ignore")
    started = time.perf_counter()
    try:
        ast.parse(source)
        parse_s = time.perf_counter() - started
    except (SyntaxError, RecursionError, MemoryError):
        parse_s = float("nan")
    from lint_fd.api import check_source

    check_source("x = 1\n")  # warm imports
    started = time.perf_counter()
    found = check_source(source, "<shape>")
    check_s = time.perf_counter() - started
    codes: dict[str, int] = {}
    for d in found:
        codes[d.code] = codes.get(d.code, 0) + 1
    print(json.dumps({"lines": source.count("\n"), "parse_s": parse_s, "check_s": check_s, "findings": len(found),
                      "codes": codes, "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
