"""The documentation lists every public name and builds with -W.

The build test needs sphinx, numpydoc, sphinx-gallery and matplotlib (the
``docs`` extra) and skips without them. It builds a copy of doc/ in a
temporary folder, running one gallery example on the load_digits fallback,
in about 20 seconds.
"""

import inspect
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import skpoe
import skpoe.datasets
import skpoe.plotting

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "doc"
GENERATED = ("_build", "auto_examples", "gen_modules", "sg_execution_times.rst")
FAST_EXAMPLE = "plot_novelty"


def _public_functions(module):
    return sorted(
        name for name, obj in vars(module).items()
        if inspect.isfunction(obj) and not name.startswith("_")
        and obj.__module__ == module.__name__
    )


PUBLIC = {
    "skpoe": sorted(name for name in skpoe.__all__ if not name.startswith("__")),
    "skpoe.plotting": _public_functions(skpoe.plotting),
    "skpoe.datasets": _public_functions(skpoe.datasets),
}


def _api_entries():
    """Names listed under each ``.. currentmodule::`` of api.rst's autosummaries."""
    entries, module = {}, "skpoe"
    for line in (DOC / "api.rst").read_text().splitlines():
        match = re.match(r"\.\. currentmodule:: (\S+)", line)
        if match:
            module = match.group(1)
        elif re.match(r"   [A-Za-z_]\w*$", line):
            entries.setdefault(module, set()).add(line.strip())
    return entries


@pytest.mark.parametrize("module", sorted(PUBLIC))
def test_api_reference_lists_every_public_name(module):
    missing = set(PUBLIC[module]) - _api_entries().get(module, set())
    assert not missing, f"add {sorted(missing)} to an autosummary of doc/api.rst"


def test_docs_build(tmp_path):
    for name in ("sphinx", "numpydoc", "sphinx_gallery", "matplotlib"):
        pytest.importorskip(name)
    src = tmp_path / "doc"
    shutil.copytree(DOC, src, ignore=shutil.ignore_patterns(*GENERATED))
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    out = tmp_path / "html"
    env = dict(
        os.environ,
        MPLBACKEND="Agg",
        SKPOE_MNIST=str(tmp_path / "no-mnist"),
        SKPOE_DOCS_GALLERY_PATTERN=FAST_EXAMPLE,
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    )
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         str(src), str(out)],
        env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]

    pages = [out / "index.html", out / "api.html", out / "references.html"]
    pages += [out / "user_guide" / (p.stem + ".html") for p in (src / "user_guide").glob("*.rst")]
    pages += [out / "gen_modules" / f"{module}.{name}.html"
              for module, names in PUBLIC.items() for name in names]
    missing = [str(p.relative_to(out)) for p in pages if not p.exists()]
    assert not missing, missing
    assert len(pages) > 20
    # The one example that ran has its figures; the others are listed unrun.
    assert list((src / "auto_examples" / "images").glob(f"sphx_glr_{FAST_EXAMPLE}_*.png"))
    assert (out / "auto_examples" / "plot_unigauss_clusters.html").exists()
    # Math is left to MathJax in the browser: formulas are in the pages.
    assert r"\log Z" in (out / "user_guide" / "goodness.html").read_text()
