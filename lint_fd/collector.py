"""The garbage collector's pace for a batch run of ``lint-fd`` (its own process only).

CPython's cyclic collector starts a young collection every 700 allocations and,
every hundred of those, a full one that walks every object alive. Checking a file
allocates a whole tree and the facts built on it, all freed by reference counting
(the engine leaves no cycles behind: a test holds it to that), so the full
collections find nothing to free, yet each one walks the tree being checked. On
the benchmark corpus the default pace spent about a quarter of a ``lint-fd --jobs
1`` run in the collector. A batch run therefore collects less often, as other
tools built on large trees do; cyclic garbage is still collected, only later.

The flake8 and pylint plugins and the language server run in their host's process
and leave its collector alone.
"""
from __future__ import annotations

import gc

#: young collections every 10,000 allocations; a full one after 50 x 50 of them
BATCH_THRESHOLDS = (10_000, 50, 50)


def pace_for_batch() -> None:
    """Collect at :data:`BATCH_THRESHOLDS` from now on, unless the process already collects
    less often (an embedding program's own choice is kept)."""
    if gc.get_threshold()[0] < BATCH_THRESHOLDS[0]:
        gc.set_threshold(*BATCH_THRESHOLDS)
