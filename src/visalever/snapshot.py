"""The committed snapshot of official figures: build it from raw tables, load and query it.

`snapshot_data/observations.parquet` holds every observation (see docs/ARCHITECTURE.md for the
columns), each with the `release` it came from; where two releases publish the same figure the
newest is kept there and every figure a newer release changed goes to `revisions.parquet` (old,
new, difference: `visalever data revisions`). `manifest.json` records per raw file its sha256 and
rows read/kept/rejected with reasons, and the releases; `quality.json` the data-quality findings
shown by `visalever data check`. The build is
deterministic (sorted rows, no timestamps) and writes each file to a temp file then replaces it, so
a failed build never leaves a half-written snapshot. `VISALEVER_SNAPSHOT_DIR` points every reader
and writer at another directory (tests use a temporary copy).

Only polars is imported at module level: `visalever indicators` must start fast.
"""

from __future__ import annotations

import json
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl

from visalever.paths import SNAPSHOT_DIR

COLUMNS = ["jurisdiction", "iso3", "period", "indicator", "value", "unit", "source", "release"]
KEY = ["jurisdiction", "iso3", "period", "indicator"]
REVISION_COLUMNS = [
    *KEY,
    "old_value",
    "new_value",
    "difference",
    "unit",
    "old_release",
    "new_release",
    "old_source",
    "new_source",
]
OBS_FILE = "observations.parquet"
REVISIONS_FILE = "revisions.parquet"
MANIFEST_FILE = "manifest.json"
QUALITY_FILE = "quality.json"


def snapshot_dir() -> Path:
    """The snapshot directory: `VISALEVER_SNAPSHOT_DIR` if set, else the packaged one."""
    env = os.environ.get("VISALEVER_SNAPSHOT_DIR")
    return Path(env) if env else SNAPSHOT_DIR


@lru_cache(maxsize=4)
def _load(path: str, mtime_ns: int) -> pl.DataFrame:
    return pl.read_parquet(path)


def load() -> pl.DataFrame:
    """All observations (cached per process; re-read if the file changes on disk)."""
    from visalever.errors import InputError

    path = snapshot_dir() / OBS_FILE
    if not path.is_file():
        raise InputError(f"{path}: snapshot missing; run `visalever data build`")
    return _load(str(path), path.stat().st_mtime_ns)


def query(
    jurisdiction: str | None = None,
    country: str | None = None,
    period: str | None = None,
    indicator: str | None = None,
) -> pl.DataFrame:
    """Observations filtered by exact jurisdiction, country (ISO3 or ALL), period and indicator."""
    df = load()
    for col, val in (
        ("jurisdiction", jurisdiction),
        ("iso3", country),
        ("period", period),
        ("indicator", indicator),
    ):
        if val is not None and val != "":
            v = val.upper() if col == "iso3" else (val.lower() if col == "jurisdiction" else val)
            df = df.filter(pl.col(col) == v)
    return df


def revisions(
    jurisdiction: str | None = None,
    country: str | None = None,
    period: str | None = None,
    indicator: str | None = None,
) -> pl.DataFrame:
    """Figures a newer release changed (old, new, difference), filtered like `query`.

    `indicator` matches the id exactly or, ending in ".", as a prefix ("returns." = every returns id).
    """
    path = snapshot_dir() / REVISIONS_FILE
    if not path.is_file():
        from visalever.errors import InputError

        raise InputError(f"{path}: revisions missing; run `visalever data build`")
    df = _load(str(path), path.stat().st_mtime_ns)
    for col, val in (("jurisdiction", jurisdiction), ("iso3", country), ("period", period)):
        if val:
            v = val.upper() if col == "iso3" else (val.lower() if col == "jurisdiction" else val)
            df = df.filter(pl.col(col) == v)
    if indicator:
        df = df.filter(
            pl.col("indicator").str.starts_with(indicator)
            if indicator.endswith(".")
            else pl.col("indicator") == indicator
        )
    return df


def manifest() -> dict[str, Any]:
    """The snapshot manifest (raw files, hashes, row accounting)."""
    with open(snapshot_dir() / MANIFEST_FILE, encoding="utf-8") as fh:
        return json.load(fh)


def quality() -> dict[str, Any]:
    """The data-quality report saved with the snapshot."""
    with open(snapshot_dir() / QUALITY_FILE, encoding="utf-8") as fh:
        return json.load(fh)


# ---------------------------------------------------------------- building


def canonical(df: pl.DataFrame) -> pl.DataFrame:
    """Contract columns and types, rows sorted by key: the one order every write uses."""
    return df.select(
        pl.col("jurisdiction").cast(pl.String),
        pl.col("iso3").cast(pl.String),
        pl.col("period").cast(pl.String),
        pl.col("indicator").cast(pl.String),
        pl.col("value").cast(pl.Float64),
        pl.col("unit").cast(pl.String),
        pl.col("source").cast(pl.String),
        pl.col("release").cast(pl.String),
    ).sort(KEY)


def canonical_revisions(df: pl.DataFrame) -> pl.DataFrame:
    return df.select(
        *[pl.col(c).cast(pl.String) for c in KEY],
        *[pl.col(c).cast(pl.Float64) for c in ("old_value", "new_value", "difference")],
        *[pl.col(c).cast(pl.String) for c in REVISION_COLUMNS[7:]],
    ).sort([*KEY, "new_release"])


def _revisions(per_release: pl.DataFrame) -> pl.DataFrame:
    """Consecutive releases of one figure whose values differ: (old, new, difference) per change."""
    chain = per_release.sort([*KEY, "release"]).with_columns(
        pl.col("value").shift(-1).over(KEY).alias("new_value"),
        pl.col("release").shift(-1).over(KEY).alias("new_release"),
        pl.col("source").shift(-1).over(KEY).alias("new_source"),
    )
    changed = chain.filter(
        pl.col("new_release").is_not_null() & ((pl.col("new_value") - pl.col("value")).abs() > 1e-9)
    )
    return canonical_revisions(
        changed.select(
            *KEY,
            pl.col("value").alias("old_value"),
            "new_value",
            (pl.col("new_value") - pl.col("value")).alias("difference"),
            "unit",
            pl.col("release").alias("old_release"),
            "new_release",
            pl.col("source").alias("old_source"),
            "new_source",
        )
    )


def resolve_overlaps(df: pl.DataFrame) -> tuple[pl.DataFrame, list[dict[str, Any]], pl.DataFrame]:
    """One row per key: the newest release wins, then the highest priority within a release.

    Returns (kept rows, findings, revisions). Two files of the same release that disagree are a
    finding (`overlap_differs`); a newer release that changes a figure is a revision, listed with
    the old and new value and the difference (`visalever data revisions`).
    """
    from visalever.sources.common import Finding

    df = df.sort([*KEY, "release", "priority", "source"], descending=[False] * 4 + [True, True, False])
    dup = df.filter(pl.len().over([*KEY, "release"]) > 1)
    findings: list[dict[str, Any]] = []
    if dup.height:
        spread = dup.group_by([*KEY, "release"]).agg(
            (pl.col("value").max() - pl.col("value").min()).alias("spread"),
            pl.col("source").first().alias("winner"),
            pl.col("source").last().alias("loser"),
            pl.col("value").first().alias("kept"),
            pl.col("value").last().alias("other"),
        )
        differ = spread.filter(pl.col("spread").abs() > 1e-9).sort(KEY)
        same = spread.height - differ.height
        if same:
            findings.append(
                Finding(
                    "overlap_identical",
                    "warning",
                    "(several)",
                    f"{same} figures published by two files with the same value: kept once",
                    same,
                ).as_dict()
            )
        for (winner, loser), grp in differ.group_by(["winner", "loser"], maintain_order=True):
            ex = grp.row(0, named=True)
            findings.append(
                Finding(
                    "overlap_differs",
                    "warning",
                    str(loser),
                    f"{grp.height} figures also published by {winner} with a different value; {winner} kept "
                    f"(e.g. {ex['iso3']} {ex['period']} {ex['indicator']}: "
                    f"{ex['kept']:,.4g} kept vs {ex['other']:,.4g})",
                    grp.height,
                ).as_dict()
            )
    per_release = df.unique(subset=[*KEY, "release"], keep="first", maintain_order=True)
    kept = per_release.unique(subset=KEY, keep="first", maintain_order=True)
    revs = _revisions(per_release)
    same = per_release.height - kept.height - revs.height
    if revs.height:
        by_pair = (
            revs.group_by("old_release", "new_release")
            .agg(pl.len(), pl.col("old_source").str.split("#").list.first().unique().sort().alias("files"))
            .sort("old_release", "new_release")
        )
        for old, new, n, files in by_pair.iter_rows():
            findings.append(
                Finding(
                    "revised_by_newer_release",
                    "warning",
                    ", ".join(files),
                    f"{n} figures of release '{old}' revised by '{new}': the newer kept "
                    "(listed by `visalever data revisions`)",
                    n,
                ).as_dict()
            )
    if same:
        findings.append(
            Finding(
                "confirmed_by_newer_release",
                "warning",
                "(several)",
                f"{same} figures published again, unchanged, by a newer release: the newer release kept",
                same,
            ).as_dict()
        )
    return kept, findings, revs


def read_raw(
    raw_root: Path, progress: Any = None
) -> tuple[pl.DataFrame, list[dict[str, Any]], list[dict[str, Any]], list[tuple[str, str, str]]]:
    """Run every reader: (observations with priority, manifest file entries, findings, labels seen)."""
    from visalever.sources import READERS
    from visalever.sources.common import ReadResult

    total = ReadResult()
    for name, reader in READERS:
        if progress:
            progress(name)
        total.extend(reader(raw_root))
    frames = [f for f in total.frames if f.height]
    obs = pl.concat(frames) if frames else pl.DataFrame()
    files = sorted((f.as_dict() for f in total.files), key=lambda d: d["path"])
    findings = [f.as_dict() for f in total.findings]
    return obs, files, findings, total.labels


def summarise(findings: list[dict[str, Any]]) -> dict[str, int]:
    """Counts per finding kind (the figures a closing note or CI log quotes)."""
    out: dict[str, int] = {}
    for f in findings:
        out[f["kind"]] = out.get(f["kind"], 0) + int(f["count"])
    return dict(sorted(out.items()))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temp file in the same directory, fsync, then replace: never half-written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def parquet_bytes(df: pl.DataFrame) -> bytes:
    import io

    buf = io.BytesIO()
    canonical(df).write_parquet(buf, compression="zstd", statistics=True)
    return buf.getvalue()


def revisions_bytes(df: pl.DataFrame) -> bytes:
    import io

    buf = io.BytesIO()
    canonical_revisions(df).write_parquet(buf, compression="zstd", statistics=True)
    return buf.getvalue()


def json_bytes(data: Any) -> bytes:
    return (json.dumps(data, indent=1, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")


def write_snapshot(
    obs: pl.DataFrame,
    manifest_data: dict[str, Any],
    quality_data: dict[str, Any],
    directory: Path | None = None,
    revisions_data: pl.DataFrame | None = None,
) -> None:
    """Write the snapshot files atomically (each replaced only once fully written).

    `revisions_data` None keeps the revisions file as it is (an ingest adds to it itself).
    """
    import hashlib

    d = directory or snapshot_dir()
    data = parquet_bytes(obs)
    manifest_data = {
        **manifest_data,
        "observations_sha256": hashlib.sha256(data).hexdigest(),
        "observations_rows": obs.height,
    }
    blobs = {OBS_FILE: data, MANIFEST_FILE: json_bytes(manifest_data), QUALITY_FILE: json_bytes(quality_data)}
    if revisions_data is not None:
        rev = revisions_bytes(revisions_data)
        blobs = {REVISIONS_FILE: rev, **blobs}
        manifest_data["revisions_rows"] = revisions_data.height
        manifest_data["revisions_sha256"] = hashlib.sha256(rev).hexdigest()
        blobs[MANIFEST_FILE] = json_bytes(manifest_data)
    for name, blob in blobs.items():
        atomic_write_bytes(d / name, blob)
    _load.cache_clear()


def build(
    raw_root: Path, directory: Path | None = None, progress: Any = None, raw: tuple[Any, ...] | None = None
) -> dict[str, Any]:
    """Build the snapshot from raw tables; returns the quality report.

    `raw` is an earlier `read_raw(raw_root)` result to reuse (tests read the raw folder once).
    """
    obs, files, findings, _ = raw if raw is not None else read_raw(raw_root, progress)
    kept, overlap_findings, revs = resolve_overlaps(obs)
    findings = findings + overlap_findings
    kept = canonical(kept)
    manifest_data = {
        "description": "visalever snapshot of official statistics; paths relative to the raw data root",
        "attribution": {
            "uk": "Contains public sector information licensed under the Open Government Licence v3.0 "
            "(Home Office, Immigration system statistics).",
            "eu": "Source: European Commission (DG HOME) visa statistics; Eurostat.",
            "us": "US Department of State and Department of Homeland Security (public domain).",
        },
        "files": files,
        "ingested": [],
        "indicators": sorted(kept["indicator"].unique().to_list()),
        "releases": releases_summary(kept, revs),
        "vintage": vintage(kept),
    }
    quality_data = {
        "summary": summarise(findings),
        "errors": sum(1 for f in findings if f["severity"] == "error"),
        "findings": findings,
    }
    write_snapshot(kept, manifest_data, quality_data, directory, revisions_data=revs)
    return quality_data


def releases_summary(kept: pl.DataFrame, revs: pl.DataFrame) -> list[dict[str, Any]]:
    """Per release: jurisdiction, observations it supplies (after newest-wins), figures it revised."""
    used = kept.group_by("release", "jurisdiction").agg(
        pl.len().alias("observations"),
        pl.col("period").min().alias("first_period"),
        pl.col("period").max().alias("last_period"),
    )
    revised = revs.group_by("new_release").len().rename({"new_release": "release", "len": "figures_revised"})
    superseded = (
        revs.group_by("old_release").len().rename({"old_release": "release", "len": "figures_superseded"})
    )
    out = used.join(revised, on="release", how="left").join(superseded, on="release", how="left")
    out = out.with_columns(pl.col("figures_revised", "figures_superseded").fill_null(0)).sort(
        "jurisdiction", "release"
    )
    return [
        {
            "release": r["release"],
            "data_to": r["release"][:7],
            "jurisdiction": r["jurisdiction"],
            "observations": r["observations"],
            "periods": f"{r['first_period']}..{r['last_period']}",
            "figures_revised": r["figures_revised"],
            "figures_superseded": r["figures_superseded"],
        }
        for r in out.iter_rows(named=True)
    ]


def vintage(kept: pl.DataFrame) -> dict[str, Any]:
    """Per jurisdiction: the newest release whose figures the snapshot uses (what a page shows as vintage)."""
    newest = (
        kept.group_by("jurisdiction")
        .agg(pl.col("release").max().alias("newest_release"))
        .sort("jurisdiction")
    )
    return {
        r["jurisdiction"]: {"newest_release": r["newest_release"], "data_to": r["newest_release"][:7]}
        for r in newest.iter_rows(named=True)
    }
