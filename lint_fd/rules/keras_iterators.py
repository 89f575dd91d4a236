"""Family 2: Keras ImageDataGenerator iterators (LFD201-LFD202)."""
from __future__ import annotations

from . import Rule, rule


@rule
class KerasIteratorClose(Rule):
    """
    ## What it flags

    A call to `.close()` on an iterator made by `ImageDataGenerator(...).flow(...)`,
    `.flow_from_directory(...)` or `.flow_from_dataframe(...)`, imported from
    `tensorflow.keras`, `keras`, `tf_keras` or `keras_preprocessing`.

    ## Why it matters

    These iterators have no `close()` method, so the call raises
    `AttributeError`. Advice found online says to call
    `train_generator.close()` in a `finally` block to release "memory-mapped"
    image files. Measured, the iterators hold no file descriptor between
    batches: they close every image they load. The `close()` in `finally` only
    replaces the exception that really stopped training with an
    `AttributeError` (the original survives only as `__context__`).

    ## Evidence

    `tests/runtime/test_lfd201.py` builds iterators with all three factories
    (`flow`, `flow_from_directory`, `flow_from_dataframe`) on TensorFlow's
    Keras (and on keras-preprocessing when it is installed), feeds them to a
    stand-in training function, and measures: the iterator has no `close()`
    (nor `__exit__`); no descriptor points into the image folder between
    batches; when training raises `RuntimeError` inside
    `try: ... finally: it.close()` the exception that propagates is
    `AttributeError`, with the `RuntimeError` only as its `__context__`.
    `docs/runtime-evidence.md` lists the versions measured.

    ## Example

    ```python
    from keras.preprocessing.image import ImageDataGenerator

    train_generator = ImageDataGenerator(rescale=1 / 255).flow_from_directory("data/train")
    try:
        model.fit(train_generator, epochs=10)
    finally:
        train_generator.close()  # expect: LFD201
    ```

    ## Use instead

    ```python
    from keras.preprocessing.image import ImageDataGenerator

    train_generator = ImageDataGenerator(rescale=1 / 255).flow_from_directory("data/train")
    model.fit(train_generator, epochs=10)   # nothing to close
    ```
    """

    code = "LFD201"
    symbol = "keras-iterator-close"
    pylint_id = "E8201"
    template = (
        "Keras ImageDataGenerator iterators have no close(): this call raises AttributeError "
        "(in a finally it replaces the real error); remove it, the iterator holds no open files"
    )


@rule
class KerasIteratorUnboundedLoop(Rule):
    """
    ## What it flags

    A `for` loop directly over a Keras `ImageDataGenerator` iterator (or
    over `enumerate(it)` / `zip` of such iterators only, or over a
    pass-through wrapper of one, inline or bound to a name first: `bar =
    tqdm(it)`, `iter`, `itertools.chain`, `more_itertools.peekable`) with no reachable
    `break` of that loop, no `return` and no `raise` in its body, and no bound
    such as `itertools.islice(it, len(it))` or `zip(it, range(n))`. A loop
    whose body yields (a generator re-feeding batches) is not flagged, nor is
    `while True: next(it)`, whose bound is the user's own.

    ## Why it matters

    The iterators repeat forever: after the last batch `__next__` starts the
    next epoch. `len(it)` is the number of batches per epoch, but a `for`
    loop does not stop there, so the epoch loop around it never advances.

    ## Evidence

    `tests/runtime/test_lfd202.py` runs a two-epoch training function over
    real iterators with `len(it) == 10`, each epoch a plain `for` loop over
    the iterator, and stops it itself at three times `len(it)` batches: the
    loop was still running after 30 batches, where two epochs need 20. The
    `islice(it, len(it))` version returns by itself after exactly 20 batches
    (10 per epoch).

    ## Example

    ```python
    from keras.preprocessing.image import ImageDataGenerator

    train_generator = ImageDataGenerator(rescale=1 / 255).flow_from_directory("data/train")
    for epoch in range(10):
        for batch_x, batch_y in train_generator:  # expect: LFD202
            train_step(batch_x, batch_y)
    ```

    ## Use instead

    ```python
    import itertools

    from keras.preprocessing.image import ImageDataGenerator

    train_generator = ImageDataGenerator(rescale=1 / 255).flow_from_directory("data/train")
    for epoch in range(10):
        for batch_x, batch_y in itertools.islice(train_generator, len(train_generator)):
            train_step(batch_x, batch_y)
    ```
    """

    code = "LFD202"
    symbol = "keras-iterator-unbounded-loop"
    pylint_id = "W8202"
    template = (
        "this for loop over a Keras ImageDataGenerator iterator never ends, the iterator repeats forever; "
        "bound it with itertools.islice(it, len(it)) or a break"
    )


def check(facts, settings) -> list:
    from ..diagnostics import make

    found = [make(KerasIteratorClose.code, call.lineno, call.col_offset) for call in facts.keras.closes]
    found += [make(KerasIteratorUnboundedLoop.code, loop.lineno, loop.col_offset) for loop in facts.keras.unbounded_loops]
    return found
