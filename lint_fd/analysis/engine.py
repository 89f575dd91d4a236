"""Placeholder until the engine lands: returns no diagnostics."""
from __future__ import annotations


def analyze(tree, source, settings):
    return []
