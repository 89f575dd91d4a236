"""LFD201 keras-iterator-close, measured with the Keras ImageDataGenerator.

Advice found online says to call ``train_generator.close()`` in a
``finally`` block because the iterator "memory-maps" the image files. The
probe runs the snippet's ``train(model, ...)`` with a stand-in model whose
``fit`` pulls batches with ``next()``, counts the descriptors into the data
folder after every batch, and raises ``RuntimeError`` after 3 batches (or
completes one epoch). It is parametrised over the three iterator factories
and over every Keras implementation importable here (``tensorflow.keras``
always; ``tf_keras`` and ``keras_preprocessing`` when installed).
"""
import pytest

from lint_fd.confirmations import CASES, KERAS_FACTORIES, KERAS_IMPLEMENTATIONS, keras_implementations_to_test

pytestmark = pytest.mark.runtime

LFD201_CASES = [CASES[f"LFD201/{factory}"] for factory in KERAS_FACTORIES]
ITERATOR_CLASSES = {
    "flow_from_directory": "DirectoryIterator",
    "flow_from_dataframe": "DataFrameIterator",
    "flow": "NumpyArrayIterator",
}


@pytest.mark.parametrize("implementation", keras_implementations_to_test())
@pytest.mark.parametrize("case", LFD201_CASES, ids=lambda case: case.name)
def test_close_raises_attribute_error_and_replaces_the_real_error(implementation, case, keras_measure):
    """Hazard (``close()`` in ``finally``): when ``fit`` raises RuntimeError
    after 3 batches, the exception that propagates is ``AttributeError:
    '<Factory>Iterator' object has no attribute 'close'`` and the
    RuntimeError survives only as its ``__context__``; when ``fit``
    completes its 10 batches, the ``finally`` still raises AttributeError.

    The iterator has no ``close`` and no ``__exit__``, and there is nothing
    to close: 0 descriptors into the data folder after every batch and
    after training.

    Fixed (no ``close()``): the RuntimeError itself propagates, and a
    successful ``fit`` returns normally.
    """
    hazard = keras_measure(implementation, case, "hazard")
    fixed = keras_measure(implementation, case, "fixed")
    iterator_class = ITERATOR_CLASSES[case.name]

    failing, success = hazard["failing_fit"], hazard["successful_fit"]
    assert failing["propagated"] == "AttributeError"
    assert failing["message"] == f"'{iterator_class}' object has no attribute 'close'"
    assert failing["context"] == "RuntimeError"
    assert failing["batches"] == 3
    assert success["propagated"] == "AttributeError"
    assert success["batches"] == 10

    for result in (hazard, fixed):
        assert result["iterator"]["type"].endswith("." + iterator_class)
        assert result["iterator"]["has_close"] is False
        assert result["iterator"]["has_exit"] is False
        assert result["iterator"]["len"] == 10
        for run in (result["failing_fit"], result["successful_fit"]):
            assert run["max_fds_between_batches"] == 0
            assert run["fds_after"] == 0

    assert fixed["failing_fit"]["propagated"] == "RuntimeError"
    assert fixed["failing_fit"]["message"] == "loss is NaN"
    assert fixed["successful_fit"]["propagated"] is None
    assert fixed["successful_fit"]["batches"] == 10


@pytest.mark.parametrize("implementation", list(KERAS_IMPLEMENTATIONS))
@pytest.mark.parametrize("case", LFD201_CASES, ids=lambda case: case.name)
def test_lint_flags_the_hazard_and_not_the_fix(implementation, case, assert_lint_pair):
    """lint_fd (strict) reports LFD201 at the ``.close()`` call for every
    factory and every import path of ImageDataGenerator (linting needs no
    installed Keras), and nothing at all in the twin without ``close()``."""
    assert_lint_pair(case, KERAS_IMPLEMENTATIONS[implementation][1])
