"""The benchmark's smoke run works end to end (its numbers are judged in docs/performance.md)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench" / "bench.py"


def test_bench_quick_runs_and_reports_every_section(tmp_path):
    report = tmp_path / "performance.md"
    proc = subprocess.run([sys.executable, str(BENCH), "--quick", "--no-install", "--output", str(report)],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    text = report.read_text()
    for heading in ("## Machine and versions", "## (a)", "## (b) flake8 and (c) pylint", "## (d)", "## (e)",
                    "## (f)", "## (i) Language server latency", "## Budgets"):
        assert heading in text
    assert "| flake8 |" in text and "| pylint |" in text and "lint-fd --jobs 1, cache warm" in text
