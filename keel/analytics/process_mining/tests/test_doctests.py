"""Every public function's example runs and shows what the docstring says."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from types import ModuleType

import pytest

import keel.analytics.process_mining as package

MODULES = sorted(
    info.name for info in pkgutil.iter_modules(package.__path__, package.__name__ + ".")
    if not info.name.endswith(".tests")
)


def run_examples(module: ModuleType) -> doctest.TestResults:
    """Run the module docstring's example first; its names (the example log) serve the rest."""
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    tests = finder.find(module)
    shared = dict(vars(module))
    for test in sorted(tests, key=lambda test: test.name != module.__name__):
        test.globs = shared if test.name == module.__name__ else {**shared}
        runner.run(test, clear_globs=False)
    return runner.summarize(verbose=False)


@pytest.mark.parametrize("name", MODULES)
def test_examples_in_docstrings_hold(name: str) -> None:
    results = run_examples(importlib.import_module(name))

    assert results.failed == 0
