"""The documentation's code runs, and its API reference lists every public name."""

import doctest
import re
import warnings
from pathlib import Path

import pytest
from sklearn.exceptions import ConvergenceWarning

import skvae

DOCS = Path(__file__).resolve().parents[1] / "docs"
GENERATED = {"_build", "_templates", "auto_examples", "gen_modules"}
PAGES = sorted(
    page
    for page in DOCS.rglob("*.rst")
    if not GENERATED & set(page.relative_to(DOCS).parts)
)
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def page_id(page):
    return page.relative_to(DOCS).as_posix()


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_page_examples_run(page):
    if "matplotlib" in page.read_text():
        pytest.importorskip("matplotlib")
    pytest.importorskip("pandas")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = doctest.testfile(str(page), module_relative=False, optionflags=FLAGS)
    assert result.failed == 0


def test_user_guide_pages_have_examples():
    for page in PAGES:
        if page.parent.name == "user_guide":
            assert ">>> " in page.read_text(), page.name


def test_api_reference_lists_every_public_class():
    listed = set(re.findall(r"^   (\w+)$", (DOCS / "api.rst").read_text(), re.M))
    assert listed == set(skvae.__all__) - {"__version__"}


def test_gallery_runs_every_example():
    examples = DOCS.parent / "examples"
    scripts = {script.name for script in examples.glob("*.py")}
    assert scripts and all(name.startswith("plot_") for name in scripts)
    assert (examples / "GALLERY_HEADER.rst").exists()
