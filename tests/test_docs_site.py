"""The docs site builds with MkDocs in strict mode: no broken link, anchor or page left out of the nav."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_mkdocs_build_strict(tmp_path):
    site = tmp_path / "site"
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file",
                           str(ROOT / "mkdocs.yml"), "--site-dir", str(site)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for page in ("index.html", "installation/index.html", "quickstart/index.html", "configuration/index.html",
                 "integrations/index.html", "editors/index.html", "rules/index.html", "rules/LFD101/index.html",
                 "runtime-evidence/index.html", "performance/index.html"):
        assert (site / page).is_file(), page
    # the rule pages are where lint_fd.links sends SARIF helpUri and the language server
    from lint_fd.links import DOCS_URL, rule_url

    assert rule_url("LFD302") == f"{DOCS_URL}rules/LFD302/" and (site / "rules" / "LFD302" / "index.html").is_file()


def test_site_url_matches_the_links_module():
    from lint_fd.links import DOCS_URL, HOMEPAGE

    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert f"site_url: {DOCS_URL}\n" in text and f"repo_url: {HOMEPAGE}\n" in text


def test_every_docs_page_is_in_the_nav():
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    pages = sorted(p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md"))
    assert [page for page in pages if page not in text] == []
