"""``lint-fd confirm``: measure every rule's hazard on the installed versions.

For each rule, :mod:`lint_fd.confirmations` holds a hazard snippet (code the
rule flags) and its fixed twin. This command makes small test data in a
temporary folder, runs every snippet in a fresh ``python -X dev``
subprocess with the real Pillow / TensorFlow-Keras installed here (every
Keras implementation that is importable: ``tensorflow.keras``, ``tf_keras``,
``keras_preprocessing``), and prints what was measured: descriptors held,
``ResourceWarning``\\ s, the exception that propagates, batches pulled.

The same cases and probes are asserted by ``tests/runtime``; this command
is how a user checks them against their own versions::

    lint-fd confirm                      # plain table
    lint-fd confirm --markdown           # markdown table
    lint-fd confirm --markdown --output docs/runtime-evidence.md

Exit status: 0 when every hazard was observed as expected and no fixed twin
showed it, 1 when a measurement differed, 2 when the measurements could not
run (a library is missing, a probe crashed).

Nothing here imports Pillow or TensorFlow at import time: they are imported
by :func:`lint_fd.confirmations.make_data` and in the probe subprocesses.
"""
from __future__ import annotations

import argparse
import datetime
import platform
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import confirmations as C
from . import progress as progress_bar


@dataclass
class Row:
    """One case measured on one library configuration."""

    case: C.Case
    library: str
    hazard: dict | None
    fixed: dict | None
    error: str | None = None

    @property
    def hazard_seen(self) -> bool | None:
        return None if self.hazard is None else bool(self.case.hazard_seen(self.hazard))

    @property
    def fixed_seen(self) -> bool | None:
        return None if self.fixed is None else bool(self.case.hazard_seen(self.fixed))

    @property
    def status(self) -> str:
        if self.error is not None:
            return "error"
        if self.hazard_seen == self.case.expect_hazard and not self.fixed_seen:
            return "confirmed" if self.case.expect_hazard and self.case.flagged else "as documented"
        return "NOT as expected"

    @property
    def ok(self) -> bool:
        return self.status in ("confirmed", "as documented")

    def verdict(self, variant: str) -> str:
        if self.error is not None:
            return "error"
        seen = self.hazard_seen if variant == "hazard" else self.fixed_seen
        return "yes" if seen else "no"

    def detail(self, variant: str) -> str:
        if self.error is not None:
            return self.error.strip().splitlines()[-1]
        return self.case.describe(self.hazard if variant == "hazard" else self.fixed)


# ---------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------


def _library_label(case: C.Case, versions: dict, implementation: str | None = None) -> str:
    if case.library == "Pillow":
        return f"Pillow {versions.get('PIL', '?')}"
    if case.library == "Python":
        return f"{platform.python_implementation()} {versions.get('python', '?')}"
    if case.library in STACK_LIBRARIES:
        return f"{STACK_LIBRARIES[case.library]} {versions.get(case.library, '?')}"
    tf = versions.get("tensorflow")
    if implementation == "tensorflow.keras":
        return f"tensorflow.keras (TensorFlow {tf}, Keras {versions.get('keras', '?')})"
    if implementation == "tf_keras":
        return f"tf_keras {versions.get('tf_keras', '?')} (TensorFlow {tf})"
    label = f"keras_preprocessing {versions.get('keras_preprocessing', '?')}"
    return label + (f" (TensorFlow {tf} importable)" if tf else " (no TensorFlow)")


#: module -> how the data-stack libraries are named in the table
STACK_LIBRARIES = {"numpy": "NumPy", "h5py": "h5py", "cv2": "OpenCV", "imageio": "imageio", "soundfile": "soundfile"}


def measure(
    codes: list[str] | None, implementations: list[str], workdir: Path, progress=None
) -> tuple[list[Row], dict]:
    """Run every selected case; return the rows and the versions seen."""
    say = progress or (lambda text: None)
    data = C.make_data(workdir / "data")
    rows: list[Row] = []
    versions: dict = {"python": platform.python_version()}
    groups: dict[str, list[C.Case]] = {}
    for case in C.cases_for(codes):
        if case.group:
            groups.setdefault(case.group, []).append(case)
    for case in C.cases_for(codes):
        if case.library == "Keras" or case.group:
            continue
        say(f"measuring {case.id}")
        results, error = {}, None
        for variant in C.VARIANTS:
            try:
                results[variant] = C.run_case(case, variant, data, workdir / "work")
            except C.ProbeError as failure:
                error = str(failure)
                break
            versions.update(results[variant]["versions"])
        label = _library_label(case, versions)
        rows.append(Row(case, label, results.get("hazard"), results.get("fixed"), error))
    for group, cases in groups.items():
        say(f"measuring the {len(cases)} {group} cases (one subprocess)")
        rows.extend(_measure_group(cases, data, workdir, versions))
    keras_cases = [case for case in C.cases_for(codes) if case.library == "Keras"]
    if keras_cases:
        for implementation in implementations:
            say(f"measuring the Keras cases with {implementation} (one subprocess)")
            jobs = [(case, variant) for case in keras_cases for variant in C.VARIANTS]
            try:
                report = C.run_jobs(jobs, data, workdir / "work", implementation)
            except C.ProbeError as failure:
                for case in keras_cases:
                    rows.append(Row(case, implementation, None, None, str(failure)))
                continue
            impl_versions = report["versions"]
            for key in ("tensorflow", "keras", "tf_keras", "keras_preprocessing"):
                if key in impl_versions:
                    versions[key] = impl_versions[key]
            label = _library_label(keras_cases[0], impl_versions, implementation)
            for case in keras_cases:
                hazard = report["results"][f"{case.id}:hazard"]
                fixed = report["results"][f"{case.id}:fixed"]
                error = hazard.get("probe_error") or fixed.get("probe_error")
                rows.append(Row(case, label, None if error else hazard, None if error else fixed, error))
    rows.sort(key=lambda row: row.case.code)
    return rows, versions


def _measure_group(cases: list[C.Case], data: Path, workdir: Path, versions: dict) -> list[Row]:
    """Run the cases of one group (both variants) in one subprocess."""
    jobs = [(case, variant) for case in cases for variant in C.VARIANTS]
    try:
        report = C.run_jobs(jobs, data, workdir / "work")
    except C.ProbeError as failure:
        return [Row(case, case.library, None, None, str(failure)) for case in cases]
    versions.update(report["versions"])
    rows = []
    for case in cases:
        hazard = report["results"][f"{case.id}:hazard"]
        fixed = report["results"][f"{case.id}:fixed"]
        error = hazard.get("probe_error") or fixed.get("probe_error")
        label = _library_label(case, report["versions"])
        rows.append(Row(case, label, None if error else hazard, None if error else fixed, error))
    return rows


# ---------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(rows: list[Row]) -> str:
    lines = [
        "| Rule | Library and version | Case: what was measured | Hazard snippet | Fixed twin | Result |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        lines.append(
            f"| {row.case.code} | {_md(row.library)} | `{row.case.name}`: {_md(row.case.measures)} "
            f"| **{row.verdict('hazard')}**: {_md(row.detail('hazard'))} "
            f"| **{row.verdict('fixed')}**: {_md(row.detail('fixed'))} | {row.status} |"
        )
    return "\n".join(lines) + "\n"


def text_table(rows: list[Row]) -> str:
    header = ("rule", "library", "case", "hazard", "fixed", "result")
    cells = [header] + [
        (row.case.code, row.library, row.case.name, row.verdict("hazard"), row.verdict("fixed"), row.status)
        for row in rows
    ]
    widths = [max(len(line[i]) for line in cells) for i in range(len(header))]
    out = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip() for line in cells]
    out.insert(1, "  ".join("-" * width for width in widths))
    out.append("")
    for row in rows:
        out.append(f"{row.case.code} {row.case.name} [{row.library}]: {row.case.measures}")
        out.append(f"    hazard: {row.verdict('hazard')}: {row.detail('hazard')}")
        out.append(f"    fixed:  {row.verdict('fixed')}: {row.detail('fixed')}")
        if row.case.note:
            out.append(f"    note:   {row.case.note}")
    return "\n".join(out) + "\n"


def _versions_lines(versions: dict, implementations: list[str]) -> list[str]:
    python = f"{platform.python_implementation()} {versions.get('python')}"
    lines = [
        f"- Python: {python} ({platform.system()} {platform.machine()})",
        f"- Pillow: {versions.get('PIL', 'not measured')}",
        f"- NumPy: {versions.get('numpy', 'not measured')}",
        f"- TensorFlow: {versions.get('tensorflow', 'not imported')}",
        f"- Keras: {versions.get('keras', 'not imported')}",
    ]
    for module, label in STACK_LIBRARIES.items():
        if module != "numpy":
            lines.append(f"- {label}: {versions.get(module, 'not measured')}")
    for name in ("tf_keras", "keras_preprocessing"):
        lines.append(f"- {name}: {versions[name] if name in versions else 'not installed, not measured'}")
    lines.append(f"- Keras implementations measured: {', '.join(implementations) or 'none importable'}")
    return lines


def markdown_document(rows: list[Row], versions: dict, implementations: list[str], command: str) -> str:
    today = datetime.date.today().isoformat()
    parts = [
        f"<!-- Generated by `{command}`. Do not edit by hand: run the command again. -->",
        "",
        "# Runtime evidence",
        "",
        f"Generated by `{command}` on {today}.",
        "",
        "Each rule's hazard snippet and its fixed twin (the code below) ran in a fresh",
        "`python -X dev` subprocess against small generated data: 80 PNGs in two class",
        f"folders (so a Keras iterator with `batch_size={C.BATCH_SIZE}` has `len(it) == 10`),",
        f"{C.BULK_IMAGES} small PNGs, a 3-frame GIF and a few text files. \"data fds\" are the",
        "process's descriptors whose `/proc/self/fd` link points into that data folder;",
        "ResourceWarnings were recorded with `warnings.catch_warnings(record=True)` and",
        "`simplefilter(\"always\")`. \"yes\" means the measurement showed the hazard.",
        f"The data-stack cases (LFD103 rows other than Pillow's) open {C.STACK_FILES} small files of their",
        "kind (`.npz`, `.h5`, `.zip`, `.tar`, an MJPG `.avi` written and read back by OpenCV, a GIF, a `.wav`, ...)",
        f"under a soft `RLIMIT_NOFILE` lowered to the descriptors already open + {C.STACK_HEADROOM}; their rows",
        "marked \"as documented\" are openers lint_fd does not flag (see the notes).",
        "The same cases are asserted by `tests/runtime/`.",
        "",
        "## Versions",
        "",
        *_versions_lines(versions, implementations),
        "",
        "## Results",
        "",
        markdown_table(rows),
    ]
    notes = [row for row in rows if row.case.note]
    if notes:
        parts += ["## Notes", ""]
        seen = set()
        for row in notes:
            if row.case.id not in seen:
                seen.add(row.case.id)
                parts.append(f"- {row.case.code} `{row.case.name}`: {row.case.note}.")
        parts.append("")
    parts += ["## Snippets", ""]
    if any(row.case.library == "Keras" for row in rows):
        parts += [
            f"The Keras snippets are shown with `{C.DEFAULT_KERAS_MODULE}`; for the other",
            "implementations only the import line changes.",
            "",
        ]
    shown = set()
    for row in rows:
        case = row.case
        if case.id in shown:
            continue
        shown.add(case.id)
        parts += [
            f"### {case.code} `{case.name}`",
            "",
            f"Measured: {case.measures}.",
            "",
            ("Hazard (`# expect:` marks the line lint_fd reports):" if case.flagged
             else "The same shape (measured, and not flagged by lint_fd):"),
            "",
            "```python",
            case.annotated_hazard().rstrip(),
            "```",
            "",
            "Fixed twin:",
            "",
            "```python",
            case.fixed.rstrip(),
            "```",
            "",
        ]
    return "\n".join(parts).rstrip() + "\n"


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def _step_count(codes: list[str] | None, implementations: list[str]) -> int:
    """What :func:`measure` announces: one step per non-Keras case, one per Keras implementation."""
    cases = C.cases_for(codes)
    keras = any(case.library == "Keras" for case in cases)
    return sum(case.library != "Keras" for case in cases) + (len(implementations) if keras else 0)


class _StepBar:
    """The ``progress`` callback of :func:`measure` drawn as a bar: each message starts the next step."""

    def __init__(self, total: int) -> None:
        self.bar = progress_bar.Progress(total, sys.stderr, "lint-fd confirm")
        self.started = False

    def __call__(self, text: str) -> None:
        self.bar.advance(1 if self.started else 0, note=text)
        self.started = True

    def close(self) -> None:
        self.bar.close()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lint-fd confirm",
        description="Run each rule's hazard snippet and its fixed twin with the installed Pillow and Keras "
        "and print what was measured.",
    )
    parser.add_argument("--markdown", action="store_true", help="print a markdown table instead of plain text")
    parser.add_argument(
        "--output",
        metavar="PATH",
        help="also write a markdown report (versions, date, table, snippets) to PATH, "
        "e.g. docs/runtime-evidence.md",
    )
    parser.add_argument("--only", metavar="CODES", help="comma-separated codes or prefixes, e.g. LFD104,LFD2")
    parser.add_argument(
        "--keras",
        action="append",
        choices=list(C.KERAS_IMPLEMENTATIONS),
        help="Keras implementation to measure (repeatable; default: every importable one)",
    )
    parser.add_argument("--quiet", action="store_true",
                        help="no progress bar (drawn only when stderr is a terminal) and no 'wrote' message")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``lint-fd confirm``; returns the exit status."""
    if argv is None:
        argv = sys.argv[1:]
        if argv[:1] == ["confirm"]:  # run as "lint-fd confirm ..." without the CLI stripping the word
            argv = argv[1:]
    args = build_parser().parse_args(argv)
    codes = [code.strip().upper() for code in args.only.split(",") if code.strip()] if args.only else None
    implementations = args.keras or C.available_keras_implementations()
    missing = [name for name in implementations if name not in C.available_keras_implementations()]
    if missing:
        print(f"lint-fd confirm: not importable here: {', '.join(missing)}", file=sys.stderr)
        return 2
    bar = None
    if not args.quiet and progress_bar.wanted(sys.stderr):
        bar = _StepBar(_step_count(codes, implementations))
    try:
        with tempfile.TemporaryDirectory(prefix="lint-fd-confirm-") as tmp:
            rows, versions = measure(codes, implementations, Path(tmp), bar)
    except ImportError as error:
        print(f"lint-fd confirm: cannot make the test data: {error} (Pillow is needed)", file=sys.stderr)
        return 2
    finally:
        if bar:
            bar.close()
    if not rows:
        print("lint-fd confirm: no case selected", file=sys.stderr)
        return 2
    print(markdown_table(rows) if args.markdown else text_table(rows), end="")
    if args.output:
        command = " ".join(["lint-fd confirm", *(arg for arg in argv if arg != "--quiet")])
        output = Path(args.output)
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(markdown_document(rows, versions, implementations, command))
        if not args.quiet:
            print(f"lint-fd confirm: wrote {output}", file=sys.stderr)
    if any(row.error for row in rows):
        return 2
    return 0 if all(row.ok for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
