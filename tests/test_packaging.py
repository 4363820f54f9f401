"""Every Python package in the tree is listed for setuptools.

The project lists its packages by hand; a new subpackage left out still works
in the editable dev install but is missing from `pip install .` (the Docker
image), which only fails at run time there.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("ingest", "index", "service", "eval")
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert found == listed
