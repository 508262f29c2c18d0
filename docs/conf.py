"""Sphinx configuration: numpydoc API pages and a sphinx-gallery of examples.

The build needs no network. References to scikit-learn's classes, functions
and glossary terms link to its online documentation through
:func:`link_to_sklearn`, which needs no inventory. Set the environment
variable ``SKVAE_DOCS_INTERSPHINX=1`` to resolve references to Python,
NumPy, scikit-learn and PyTorch with intersphinx instead (this downloads
their inventories).
"""

import os

from docutils import nodes
from sklearn.experimental import enable_iterative_imputer  # noqa: F401

import skvae

project = "skvae"
copyright = "the skvae developers"
version = release = skvae.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
templates_path = ["_templates"]
exclude_patterns = ["_build", "_templates"]
# `name` in docstrings is code, as in scikit-learn
default_role = "literal"

autosummary_generate = True
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

SKLEARN_URL = "https://scikit-learn.org/stable/"
if os.environ.get("SKVAE_DOCS_INTERSPHINX", "0") == "1":
    extensions.append("sphinx.ext.intersphinx")
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable", None),
        "sklearn": (SKLEARN_URL, None),
        "torch": ("https://docs.pytorch.org/docs/stable", None),
    }

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "doc_module": ("skvae",),
    "backreferences_dir": "gen_modules/backreferences",
    "reference_url": {"skvae": None},
    "within_subsection_order": "FileNameSortKey",
    "only_warn_on_example_error": False,
    "show_signature": False,
    # the times of one run on one machine; not a file to keep in the sources
    "write_computation_times": False,
}

html_theme = "pydata_sphinx_theme"
html_title = f"skvae {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_sidebars = {"index": [], "install": []}
html_show_sourcelink = False

# Pages of the labels that the docstrings of scikit-learn's base classes
# refer to; other labels of theirs go to scikit-learn's search page.
SKLEARN_LABELS = {
    "metadata_routing": "metadata_routing.html",
    "df_output_transform": "auto_examples/miscellaneous/plot_set_output.html",
    "sphx_glr_auto_examples_miscellaneous_plot_set_output.py": (
        "auto_examples/miscellaneous/plot_set_output.html"
    ),
}


def link_to_sklearn(app, env, node, contnode):
    """Resolve a missing reference to scikit-learn to its online page.

    ``sklearn.module.Name`` links to the page scikit-learn generates for
    ``Name``, ``sklearn.module.Name.method`` to the method's anchor on it,
    glossary terms to scikit-learn's glossary, and the labels in the
    docstrings of the methods inherited from scikit-learn to its pages.
    Other references are left to Sphinx, which warns about them.
    """
    target = node.get("reftarget", "")
    if node.get("reftype") == "ref" and "docstring of sklearn." in (node.source or ""):
        page = SKLEARN_LABELS.get(target, f"search.html?q={target}")
        url = SKLEARN_URL + page
    elif node.get("reftype") == "term" and node.get("refdomain") == "std":
        anchor = "term-" + nodes.make_id(target).replace("_", "-")
        url = f"{SKLEARN_URL}glossary.html#{anchor}"
    elif node.get("refdomain") == "py" and target.startswith("sklearn."):
        parts = target.split(".")
        # the page is that of the first capitalised part (a class), or of
        # the last part (a function)
        cut = next((i for i, p in enumerate(parts) if p[:1].isupper()), len(parts) - 1)
        page = ".".join(parts[: cut + 1])
        url = f"{SKLEARN_URL}modules/generated/{page}.html"
        if page != target:
            url += f"#{target}"
    else:
        return None
    reference = nodes.reference("", "", internal=False, refuri=url)
    reference.append(contnode)
    return reference


def setup(app):
    # after intersphinx (priority 500) when it is on
    app.connect("missing-reference", link_to_sklearn, priority=900)
