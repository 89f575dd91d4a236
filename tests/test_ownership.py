"""Ownership settings and tables: ``keeper-functions`` take what they receive,
``release-functions`` close it, and every owning wrapper says why it is one."""
from __future__ import annotations

import textwrap

from lint_fd.analysis.ownership import OWNING_WRAPPERS, OWNING_METHODS, is_constructor_name
from lint_fd.api import check_source
from lint_fd.settings import Settings

HANDED_TO_PLUGIN = """
    from plugins import registry


    def load(path):
        handle = open(path)
        registry.adopt(handle)
        return 1
"""

TEMPORARY_HANDED_TO_PLUGIN = """
    import plugins


    def load(path):
        plugins.adopt(open(path))
"""

CLOSED_BY_HELPER = """
    from mylib.io import shut


    def load(path):
        handle = open(path)
        data = handle.read()
        shut(handle)
        return data
"""


def codes(source: str, **settings) -> list[tuple[int, str]]:
    found = check_source(textwrap.dedent(source), settings=Settings(strict=True, **settings))
    return [(d.line, d.code) for d in found]


def test_an_unknown_call_reads_so_the_resource_stays_the_callers():
    assert codes(HANDED_TO_PLUGIN) == [(6, "LFD101")]
    assert codes(TEMPORARY_HANDED_TO_PLUGIN) == [(6, "LFD104")]


def test_keeper_functions_take_ownership_by_bare_or_dotted_name():
    assert codes(HANDED_TO_PLUGIN, keeper_functions=("adopt",)) == []
    assert codes(TEMPORARY_HANDED_TO_PLUGIN, keeper_functions=("plugins.adopt",)) == []
    # a dotted name names that function only
    assert codes(TEMPORARY_HANDED_TO_PLUGIN, keeper_functions=("other.adopt",)) == [(6, "LFD104")]


def test_release_functions_close_what_they_receive():
    assert codes(CLOSED_BY_HELPER) == [(6, "LFD101")]
    # released on the normal path; the read before it can still raise
    assert codes(CLOSED_BY_HELPER, release_functions=("mylib.io.shut",)) == [(6, "LFD102")]
    assert codes(TEMPORARY_HANDED_TO_PLUGIN, release_functions=("plugins.adopt",)) == []


def test_every_owning_wrapper_says_why():
    for table in (OWNING_WRAPPERS, OWNING_METHODS):
        assert all(isinstance(why, str) and why for why in table.values())


def test_constructor_names():
    assert is_constructor_name("FileWrapper")
    assert is_constructor_name("_ProxyFile")
    assert not is_constructor_name("MAX_FILES")
    assert not is_constructor_name("process")
