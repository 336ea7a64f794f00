"""Where visalever finds things on disk: the raw official data, the packaged snapshot and regimes.

Kept in one place so that every command, test and server agrees on the same roots, and so that the
`VISALEVER_RAW_DATA` override is honoured everywhere.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent
SNAPSHOT_DIR = PACKAGE_ROOT / "snapshot_data"
REGIMES_DIR = PACKAGE_ROOT / "regimes"


def raw_data_root(override: str | os.PathLike[str] | None = None) -> Path:
    """The folder of raw official statistics (read-only input, never copied into the repo).

    Order: an explicit argument, then `VISALEVER_RAW_DATA`, then `../shared/data` relative to the
    repository checkout (the layout of this workplace), then `../shared/data` from the working dir.
    """
    if override:
        return Path(override).resolve()
    env = os.environ.get("VISALEVER_RAW_DATA")
    if env:
        return Path(env).resolve()
    repo_root = PACKAGE_ROOT.parent.parent
    candidate = (repo_root.parent / "shared" / "data").resolve()
    if candidate.is_dir():
        return candidate
    return (Path.cwd().parent / "shared" / "data").resolve()
