"""Fixtures for the runtime confirmation tests.

The snippets and the measuring probes live in :mod:`lint_fd.confirmations`
(one source of truth, also used by ``lint-fd confirm``). Each probe runs in a
fresh ``python -X dev`` subprocess against data made once per session in a
pytest temporary folder. The Keras probes of one implementation share one
subprocess, so TensorFlow is imported once per implementation.
"""
from __future__ import annotations

import pytest

from lint_fd import confirmations
from lint_fd.api import check_source
from lint_fd.settings import Settings


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory):
    """PNG class folders, bulk PNGs, a 3-frame GIF and text files (see ``make_data``)."""
    return confirmations.make_data(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="session")
def workdir(tmp_path_factory):
    """Where the snippets are written as files and the probes write their results."""
    return tmp_path_factory.mktemp("work")


def _checked(result: dict, stray: int) -> dict:
    if "probe_error" in result:
        raise confirmations.ProbeError(result["probe_error"])
    # Every ResourceWarning must have been emitted inside a recorded block;
    # -X dev prints the others on stderr, which would mean a probe leaked.
    assert stray == 0, "ResourceWarnings were printed outside the recorded blocks"
    return result


@pytest.fixture(scope="session")
def measure(data_dir, workdir):
    """``measure(case, variant)``: run one Pillow/Python probe in its own subprocess."""
    cache: dict = {}

    def run(case: confirmations.Case, variant: str) -> dict:
        key = (case.id, variant)
        if key not in cache:
            result = confirmations.run_case(case, variant, data_dir, workdir)
            cache[key] = _checked(result, result["stray_resource_warnings"])
        return cache[key]

    return run


@pytest.fixture(scope="session")
def keras_measure(data_dir, workdir):
    """``keras_measure(implementation, case, variant)``.

    The first call for an implementation runs every Keras case (both
    variants, all three iterator factories) in ONE subprocess.
    """
    reports: dict = {}

    def run(implementation: str, case: confirmations.Case, variant: str) -> dict:
        if implementation not in reports:
            jobs = [
                (c, v) for c in confirmations.CASES.values() if c.library == "Keras" for v in confirmations.VARIANTS
            ]
            reports[implementation] = confirmations.run_jobs(jobs, data_dir, workdir, implementation)
        report = reports[implementation]
        result = dict(report["results"][f"{case.id}:{variant}"], versions=report["versions"])
        return _checked(result, report["stray_resource_warnings"])

    return run


@pytest.fixture(scope="session")
def group_measure(data_dir, workdir):
    """``group_measure(case, variant)``: the first call for a group (``case.group``, such
    as the data-stack openers) runs every case of the group, both variants, in ONE
    subprocess, so numpy, h5py and OpenCV are imported once."""
    reports: dict = {}

    def run(case: confirmations.Case, variant: str) -> dict:
        if case.group not in reports:
            jobs = [(c, v) for c in confirmations.CASES.values() if c.group == case.group for v in confirmations.VARIANTS]
            reports[case.group] = confirmations.run_jobs(jobs, data_dir, workdir)
        report = reports[case.group]
        result = dict(report["results"][f"{case.id}:{variant}"], versions=report["versions"])
        return _checked(result, report["stray_resource_warnings"])

    return run


@pytest.fixture(scope="session")
def lint():
    """``lint(source)``: lint_fd's diagnostics in strict mode (LFD104 on)."""

    def run(source: str):
        return check_source(source, settings=Settings(strict=True))

    return run


@pytest.fixture(scope="session")
def assert_lint_pair(lint):
    """Assert lint_fd flags ``case.code`` on the hazard snippet, at the line the
    contract names, and reports nothing at all on the fixed twin."""

    def check(case: confirmations.Case, keras_module: str | None = None) -> None:
        hazard = lint(case.source("hazard", keras_module))
        assert case.code in {d.code for d in hazard}, f"{case.id}: expected {case.code}, got {hazard}"
        line = case.flagged_line(keras_module)
        lines = {d.line for d in hazard if d.code == case.code}
        assert line in lines, f"{case.id}: {case.code} not reported on line {line}: {hazard}"
        fixed = lint(case.source("fixed", keras_module))
        assert fixed == [], f"{case.id}: the fixed twin must be clean, got {fixed}"

    return check
