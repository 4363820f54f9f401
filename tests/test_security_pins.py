"""Offline guard for advisories that concern an upload service: pins must stay past their fixes.

pip-audit (scripts/audit, run by CI) needs a vulnerability service these
machines cannot reach; this table keeps the ones that matter to an API that
parses multipart uploads and PDFs checked even then.
"""

from __future__ import annotations

from importlib.metadata import version

import pytest
from packaging.version import Version

ADVISORIES = [
    ("python-multipart", "0.0.7", "CVE-2024-24762: ReDoS in the Content-Type header parser"),
    ("python-multipart", "0.0.18", "CVE-2024-53981: CPU exhaustion on boundary-less garbage"),
    ("starlette", "0.40.0", "CVE-2024-47874: unbounded multipart form fields without filename"),
    ("starlette", "0.47.2", "CVE-2025-54121: large uploads block the event loop on rollover"),
    ("h11", "0.16.0", "CVE-2025-43859: chunked-encoding request smuggling"),
    ("jinja2", "3.1.6", "CVE-2025-27516: sandbox breakout through |attr"),
    ("pypdf", "6.0.0", "CVE-2025-55197: unbounded FlateDecode output (decompression bomb)"),
]


@pytest.mark.parametrize(("package", "fixed", "advisory"), ADVISORIES, ids=[f"{p}-{f}" for p, f, _ in ADVISORIES])
def test_installed_version_has_the_fix(package: str, fixed: str, advisory: str) -> None:
    installed = Version(version(package))
    assert installed >= Version(fixed), f"{package} {installed} lacks the fix for {advisory}"
