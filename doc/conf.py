"""Sphinx configuration for the skpoe documentation (a minimal skeleton)."""

import os
import sys

sys.path.insert(0, os.path.abspath(".."))

import skpoe  # noqa: E402

project = "skpoe"
author = "skpoe developers"
copyright = "skpoe developers"
version = release = skpoe.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

autosummary_generate = True
numpydoc_show_class_members = False
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py"]

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
}

html_theme = "alabaster"
