"""The documentation's code runs, and its API reference lists every public name."""

import doctest
import re
import warnings
from pathlib import Path

import pytest
from sklearn.exceptions import ConvergenceWarning

import skvae

DOCS = Path(__file__).resolve().parents[1] / "docs"
EXAMPLES = DOCS.parent / "examples"
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


def test_gallery_picks_up_every_example():
    # the documentation build runs (and fails on) every example that the
    # gallery's filename_pattern matches: it must match them all
    conf = (DOCS / "conf.py").read_text()
    pattern = re.search(r'"filename_pattern": r"([^"]+)"', conf).group(1)
    scripts = sorted(EXAMPLES.glob("*.py"))
    assert scripts and all(re.search(pattern, str(script)) for script in scripts)
    assert (EXAMPLES / "GALLERY_HEADER.rst").exists()


def _requirements(extra=None):
    """Distribution names pyproject.toml requires, or lists in ``extra``."""
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((DOCS.parent / "pyproject.toml").read_text())["project"]
    lines = project["optional-dependencies"][extra] if extra else project["dependencies"]
    return {re.split(r"[\s\[<>=!~;]", line, maxsplit=1)[0].lower() for line in lines}


@pytest.mark.parametrize("extra", ["examples", "docs"])
def test_extra_installs_what_every_example_imports(extra):
    # the README's demo and docs commands install an extra and run examples
    import ast
    import sys
    from importlib.metadata import packages_distributions

    providers = packages_distributions()
    needed = {}
    for path in sorted(EXAMPLES.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top in sys.stdlib_module_names or top == "skvae":
                    continue
                dists = {d.lower() for d in providers.get(top, [top])}
                needed.setdefault(top, (dists, path.name))
    installed = _requirements() | _requirements(extra)
    missing = {top: name for top, (dists, name) in needed.items()
               if not dists & installed}
    assert not missing, f"the {extra} extra does not install {missing}"


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(EXAMPLES.glob("plot_*.py")), ids=lambda p: p.name)
def test_example_runs_without_a_convergence_warning(script, tmp_path):
    # an example shows the defaults to a new user: a fit that stops at its
    # iteration cap, or a baseline that does, is the first thing they would see
    import os
    import subprocess
    import sys

    pytest.importorskip("matplotlib")
    run = (
        "import runpy, sys, warnings\n"
        "from sklearn.exceptions import ConvergenceWarning\n"
        "warnings.simplefilter('error', ConvergenceWarning)\n"
        "runpy.run_path(sys.argv[1], run_name='__main__')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", run, str(script)],
        cwd=tmp_path, env={**os.environ, "MPLBACKEND": "Agg"},
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
