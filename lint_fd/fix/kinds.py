"""Which rule has a fix, and whether applying it is safe (no libcst needed to ask).

``safe``: applied by ``lint-fd --fix`` and offered by the editor when the
rewrite's conditions hold (the finding stays otherwise). ``unsafe``: the
rewrite changes what the program does on purpose (a loop that now ends);
applied only with ``--unsafe-fixes``. ``none``: no automatic fix.
"""
from __future__ import annotations

SAFE, UNSAFE, NONE = "safe", "unsafe", "none"

#: code -> (kind, what the rewrite does), the table of RULES.md "Fixes"
FIXES: dict[str, tuple[str, str]] = {
    "LFD101": (SAFE, "`x = opener(...)` and the statements that use `x` become `with opener(...) as x:` around "
                     "those statements; a final `x.close()` (or a `try/finally` whose only job was that close) is "
                     "removed. Offered only when `x` is bound once, every use lies in one contiguous run of "
                     "statements of one block, nothing after that run reads `x`, it does not escape (returned, "
                     "stored, put in a container, captured by a `lambda`) and no `return`/`yield` in the run hands "
                     "out something still tied to it."),
    "LFD102": (SAFE, "the same rewrite as LFD101: `with opener(...) as x:` around the uses, the final `close()` "
                     "removed, under the same conditions."),
    "LFD103": (UNSAFE, "for images, a copy made inside `with` is kept instead of the open image: "
                       "`batch.append(Image.open(p))` becomes `with Image.open(p) as img: batch.append(img.copy())`, "
                       "and `images = [Image.open(p) for p in paths]` a loop that appends copies (when the loop "
                       "variable is used nowhere else). Unsafe because a copy loads the pixels at once and has no "
                       "`format` or `filename`."),
    "LFD104": (SAFE, "the temporary is bound by a `with` that takes the statement inside "
                     "(`with open(p) as f: config = json.load(f)`), when moving the statement cannot change what "
                     "runs: the opening call runs once, unconditionally, and nothing with an effect runs before it "
                     "in the statement."),
    "LFD201": (SAFE, "the `.close()` call is removed, and with it a `finally:` (or the whole `try`) that it "
                     "leaves empty."),
    "LFD202": (UNSAFE, "the loop is bounded by `itertools.islice(it, len(it))` (import added): one epoch per "
                       "loop. Unsafe because the loop now ends, which it never did before."),
    "LFD301": (SAFE, "`with opener(...) as x:` around the statements from the open to the last use, yields "
                     "included, under the LFD101 conditions (also `for line in open(p):` becomes "
                     "`with open(p) as f: for line in f:`)."),
    "LFD302": (SAFE, "`with contextlib.closing(gen(...)) as g:` around the uses of the generator object (import "
                     "added once, in the file's import style), under the LFD101 conditions."),
}


def fix_kind(code: str) -> str:
    """``safe``, ``unsafe`` or ``none`` for a code."""
    return FIXES.get(code, (NONE, ""))[0]


def fixable(code: str, unsafe: bool = False) -> bool:
    """Whether ``--fix`` (with ``--unsafe-fixes`` when ``unsafe``) may rewrite findings of ``code``."""
    kind = fix_kind(code)
    return kind == SAFE or (unsafe and kind == UNSAFE)


def describe(code: str) -> str:
    """One Markdown paragraph for the rule's docs page."""
    kind, text = FIXES.get(code, (NONE, "no automatic fix."))
    label = {
        SAFE: "safe, applied by `lint-fd --fix` and offered as the editor's quick fix.",
        UNSAFE: "unsafe, applied only by `lint-fd --fix --unsafe-fixes` (marked unsafe in `--diff`).",
        NONE: "none.",
    }[kind]
    return f"Fix: {label} {text[:1].upper()}{text[1:]}"
