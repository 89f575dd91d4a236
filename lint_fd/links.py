"""Where lint_fd's documentation lives on the web, for every front end that links to it.

The SARIF output (``helpUri``), the language server (``codeDescription.href``)
and the docs site (``site_url`` in mkdocs.yml) use these addresses. The site
is built from ``docs/`` with ``mkdocs build``; each rule page is
``rules/<CODE>/`` under :data:`DOCS_URL`.
"""
from __future__ import annotations

#: the project's home page: the repository
HOMEPAGE = "https://github.com/lint-fd/lint_fd"
#: the published docs site (``mkdocs gh-deploy`` publishes ``docs/`` there)
DOCS_URL = "https://lint-fd.github.io/lint_fd/"


def rule_url(code: str) -> str:
    """The docs page of one rule (``LFD101``); E999 and LFD999 link to the rule index."""
    if code.startswith("LFD") and code != "LFD999":
        return f"{DOCS_URL}rules/{code}/"
    return f"{DOCS_URL}rules/"
