"""Shared test helpers: where the raw data is, and how a missing component is handled.

Under CI=true or VISALEVER_REQUIRE_ALL=1 a missing component (raw data, PostgreSQL, Chromium) fails
the test instead of skipping it, so a green CI run means every part was really exercised.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from visalever.paths import raw_data_root


def require_all() -> bool:
    """True when missing components must fail the run rather than skip."""
    return os.environ.get("CI", "").lower() == "true" or os.environ.get("VISALEVER_REQUIRE_ALL") == "1"


def missing(component: str) -> None:
    """Skip (locally) or fail (CI) because `component` is not available on this machine."""
    if require_all():
        pytest.fail(f"required component missing: {component}")
    pytest.skip(f"component missing: {component}")


@pytest.fixture(scope="session")
def raw_root() -> Path:
    """The raw official statistics folder; missing data is a failure under CI."""
    root = raw_data_root()
    if not (root / "PROVENANCE.tsv").is_file():
        missing(f"raw data at {root}")
    return root
