"""LFD202 keras-iterator-unbounded-loop, measured with the Keras ImageDataGenerator.

The snippet is plain training code: ``for epoch in range(epochs): for
batch_x, batch_y in train_generator: train_step(batch_x, batch_y)``. The
harness, outside the linted code, passes a ``train_step`` that counts the
batches and raises a private exception after 3 * ``len(it)`` of them, so a
loop that never ends is stopped by the test, not by the machine's patience.
Parametrised over the three factories and every importable implementation.
"""
import pytest

from lint_fd.confirmations import (
    CASES,
    EPOCHS,
    KERAS_FACTORIES,
    KERAS_IMPLEMENTATIONS,
    LOOP_BOUND_FACTOR,
    keras_implementations_to_test,
)

pytestmark = pytest.mark.runtime

LFD202_CASES = [CASES[f"LFD202/{factory}"] for factory in KERAS_FACTORIES]


@pytest.mark.parametrize("implementation", keras_implementations_to_test())
@pytest.mark.parametrize("case", LFD202_CASES, ids=lambda case: case.name)
def test_for_loop_over_the_iterator_never_ends(implementation, case, keras_measure):
    """``len(it)`` is 10 (80 samples, batch size 8) and the snippet asks for
    2 epochs, i.e. 20 batches.

    Hazard: the first epoch's ``for`` loop was still pulling batches when
    the harness stopped it at 30 (3 * len(it)): the iterator starts over
    after its last batch instead of ending, so the epoch loop never
    advances. Fixed (``itertools.islice(it, len(it))``): ``train`` returns
    by itself after exactly 20 batches. 0 descriptors into the data folder
    between batches in both.
    """
    hazard = keras_measure(implementation, case, "hazard")
    fixed = keras_measure(implementation, case, "fixed")

    assert hazard["len_it"] == fixed["len_it"] == 10
    assert hazard["bound"] == LOOP_BOUND_FACTOR * hazard["len_it"]
    assert hazard["returned_by_itself"] is False
    assert hazard["batches_pulled"] == hazard["bound"] == 30

    assert fixed["returned_by_itself"] is True
    assert fixed["batches_pulled"] == EPOCHS * fixed["len_it"] == 20

    assert hazard["max_fds_between_batches"] == fixed["max_fds_between_batches"] == 0


@pytest.mark.parametrize("implementation", list(KERAS_IMPLEMENTATIONS))
@pytest.mark.parametrize("case", LFD202_CASES, ids=lambda case: case.name)
def test_lint_flags_the_hazard_and_not_the_fix(implementation, case, assert_lint_pair):
    """lint_fd (strict) reports LFD202 at the inner ``for`` line for every
    factory and import path, and nothing at all in the ``islice`` twin."""
    assert_lint_pair(case, KERAS_IMPLEMENTATIONS[implementation][1])
