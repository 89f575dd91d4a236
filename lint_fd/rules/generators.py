"""Family 3: generators without cleanup (LFD301-LFD302)."""
from __future__ import annotations

from . import Rule, rule


@rule
class GeneratorResourceUnprotected(Rule):
    """
    ## What it flags

    Inside a generator function, a resource (image, file, or a module factory's
    result) is open across a `yield` without `with` or a `try/finally` that
    closes it. A resource opened and closed between two `yield`s is not open
    across one; yielding the resource itself, or a tuple, list or dict holding
    it (`yield path, fh`, `yield {"stream": fh}`), hands it to the consumer and
    is not flagged; `@contextlib.contextmanager` functions are context
    managers, not generators in this sense. An `h5py.File` streamed group by
    group, a tar shard yielding its members, a `cv2.VideoCapture` yielding
    frames are the usual cases (a capture is released by `release()` in a
    `finally` around the yields). It applies to every resource kind:

    {resource_kinds}

    ## Why it matters

    A generator is suspended at each `yield`. When its consumer stops early
    (a `break`, an exception, `next()` once) the code after the `yield`,
    including a plain `f.close()`, never runs. The file stays open for as long
    as the suspended generator is referenced, and when it is finally closed or
    collected Python emits a `ResourceWarning` because the file was never
    closed by the program.

    ## Evidence

    `tests/runtime/test_lfd301.py` consumes one item of such a generator and
    keeps the generator: one descriptor stays open, and `gen.close()` releases
    it with a `ResourceWarning`. With `with` the descriptor is released by
    `close()` without a warning.

    ## Example

    ```python
    def read_records(path):
        f = open(path)  # expect: LFD102, LFD301
        for line in f:
            yield parse(line)
        f.close()
    ```

    ## Use instead

    ```python
    def read_records(path):
        with open(path) as f:
            for line in f:
                yield parse(line)
    ```
    """

    code = "LFD301"
    symbol = "generator-resource-unprotected"
    pylint_id = "W8301"
    template = (
        "{what} opened here stays open across a yield without with or try/finally; "
        "if the consumer stops early it is never closed, {fix}"
    )


@rule
class GeneratorNotClosed(Rule):
    """
    ## What it flags

    A generator object, made by a generator function of the module that holds
    a resource across a `yield` (protected or not), that is consumed only
    partially (`next(g)`, a `for` with `break` or `return`, `islice(g, n)`,
    `zip` with a finite iterable) or is infinite (handed to `model.fit`, say),
    and is not closed on every path: neither `with contextlib.closing(g):`
    nor `g.close()` in a `finally`. Reported at the call that creates the
    generator object. A generator that is run to the end, returned or stored
    is not flagged, nor is one that hands its resource to the consumer
    (`yield fh`, `yield path, fh`). The generator function may live in
    another module of the project (a relative import, or an absolute one
    resolving under the project root): lint_fd reads that module, never
    imports it. The resource the generator holds may be of any kind:

    {resource_kinds}

    ## Why it matters

    A suspended generator keeps its file open. CPython closes it when the
    generator object is freed, which for a temporary is at once, but a
    generator referenced by a variable (measured below) or by anything else
    that outlives the loop stays suspended, with its descriptor, for as long as
    that reference lives.

    ## Evidence

    `tests/runtime/test_lfd302.py` runs a script that takes one record with
    `next()` from a generator reading a file and keeps the generator in a
    global: one descriptor stays open (also after `gc.collect()`) until
    `records.close()`. Wrapped in `contextlib.closing`, nothing is open after
    the `with` block. The test also measures where reference counting hides
    the hazard: a temporary generator in `for x in read_records(p): break`
    holds 0 descriptors right after the loop on CPython, because the
    generator is freed (and its file closed) as the loop ends. The rule still
    flags that shape, because the same loop with the generator kept in a
    variable keeps the file open, as the first case shows.

    ## Example

    ```python
    def read_records(path):
        with open(path) as f:
            for line in f:
                yield parse(line)


    records = read_records("records.jsonl")  # expect: LFD302
    header = next(records)
    ```

    ## Use instead

    ```python
    import contextlib


    def read_records(path):
        with open(path) as f:
            for line in f:
                yield parse(line)


    with contextlib.closing(read_records("records.jsonl")) as records:
        header = next(records)
    ```
    """

    code = "LFD302"
    symbol = "generator-not-closed"
    pylint_id = "W8302"
    template = (
        "generator {name}() holds an open resource across a yield and is not run to the end here; "
        "close it on every path: with contextlib.closing({name}(...)) as g, or g.close() in finally"
    )


def check(facts, settings) -> list:
    from ..diagnostics import make

    found = []
    for site in facts.generator_sites:
        if site.call is not None and site.unprotected_yield:
            found.append(make(GeneratorResourceUnprotected.code, site.call.lineno, site.call.col_offset,
                              what=site.kind.what[:1].upper() + site.kind.what[1:],
                              fix='use "with" around the yields' if site.kind.managed
                              else f'call "{site.kind.opener}" in a "finally" around the yields'))
    for call, info in facts.unclosed_generators:
        found.append(make(GeneratorNotClosed.code, call.lineno, call.col_offset, name=info.name))
    return found
