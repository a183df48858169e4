"""Sphinx configuration for the skpoe documentation.

Build it, offline, from the repository root with::

    pip install -e ".[docs]"
    python -m sphinx -W -b html doc doc/_build/html

The build needs no network: no intersphinx, no theme downloads, and MathJax
is only referenced by the pages (a browser loads it when it shows them).

Environment variables read here:

``SKPOE_MNIST``
    Where the gallery examples look for MNIST. Unless you set it, it is set
    to a folder that does not exist, so every example falls back to
    scikit-learn's small ``load_digits`` set and the whole build takes a
    few minutes at most. Set it to the MNIST folder to run the gallery on
    MNIST instead (much slower).
``SKPOE_DOCS_GALLERY_PATTERN``
    The gallery's ``filename_pattern``: a regular expression on the example
    paths; only matching examples are executed (the others are still listed,
    without output). Defaults to ``/plot_`` (all of them). The docs test
    uses it to run one example.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# Document the working tree's skpoe even when it is not installed.
sys.path.insert(0, os.path.dirname(HERE))

# Never train the gallery on MNIST unless asked: skpoe.datasets.mnist_path
# searches only $SKPOE_MNIST when it is set, and this folder does not exist.
os.environ.setdefault("SKPOE_MNIST", os.path.join(HERE, "_build", "no-mnist-here"))

import skpoe  # noqa: E402

# -- Project -----------------------------------------------------------------
project = "skpoe"
author = "skpoe developers"
copyright = "skpoe developers"
version = release = skpoe.__version__

# -- General -----------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "**.ipynb_checkpoints",
]
default_role = "literal"

# -- API reference -----------------------------------------------------------
autosummary_generate = True
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False


def _skip_foreign_members(app, what, name, obj, skip, options):
    """Document skpoe's own methods only, not those inherited from scikit-learn.

    BernoulliPoE's ``fit`` lives in skpoe's private base class and is
    documented; ``get_params``, ``fit_transform`` and the like come from
    scikit-learn and are only listed (see api.rst): their docstrings link to
    scikit-learn's own user guide, which this build cannot resolve offline.
    """
    if skip or what not in ("class", "exception"):
        return None
    target = obj.fget if isinstance(obj, property) else obj
    module = getattr(target, "__module__", None) or ""
    if not module.startswith("skpoe"):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_foreign_members)


# -- Gallery -----------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": os.path.join(os.path.dirname(HERE), "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": os.environ.get("SKPOE_DOCS_GALLERY_PATTERN", r"/plot_"),
    "within_subsection_order": "FileNameSortKey",
    # "Examples using X" at the end of each API page.
    "backreferences_dir": "gen_modules/backreferences",
    "doc_module": ("skpoe",),
    # Link skpoe names in example code to the API pages (local, no network).
    "reference_url": {"skpoe": None},
    "remove_config_comments": True,
    "min_reported_time": 1,
}

# -- HTML ----------------------------------------------------------------------
html_theme = "alabaster"
html_title = f"skpoe {release}"
html_theme_options = {
    "description": "Products of Experts trained by contrastive divergence, for scikit-learn",
    "fixed_sidebar": True,
    "page_width": "1100px",
    "sidebar_width": "230px",
}
html_sidebars = {"**": ["about.html", "navigation.html", "searchbox.html"]}
html_show_sourcelink = False
