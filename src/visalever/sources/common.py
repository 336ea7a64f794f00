"""Shared plumbing for the table readers: the tidy observation shape, per-file accounting, findings.

Every reader turns one family of raw tables into rows of the observation contract
(jurisdiction, iso3, period, indicator, value, unit, source) plus a `priority` used when two files
publish the same figure (higher wins; the loser is reported, never silently mixed). Readers never
drop a row without counting it under a reason in the file's manifest entry, and report what looks
wrong in the published data as findings for `visalever data check`.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from visalever.countries import is_noncountry, resolve_label
from visalever.errors import InputError

OBS_COLUMNS = ["jurisdiction", "iso3", "period", "indicator", "value", "unit", "source", "release"]
OBS_SCHEMA = {
    "jurisdiction": pl.String,
    "iso3": pl.String,
    "period": pl.String,
    "indicator": pl.String,
    "value": pl.Float64,
    "unit": pl.String,
    "source": pl.String,
    "release": pl.String,
    "priority": pl.Int32,
}


def release_id(data_to: str, publisher: str, name: str) -> str:
    """A release label that sorts chronologically: "<data to YYYY-MM> <publisher>: <name>".

    Why the data cut-off and not a publication date: most origins do not state when a table was
    published, but every table says the last period it covers, and a release covering later data is
    the later release of the same statistics. `name` says what the release is (file or table name,
    and how the cut-off was established when the origin does not state a release).
    """
    if not re.fullmatch(r"\d{4}-\d{2}", data_to):
        raise ValueError(f"release data_to {data_to!r} is not YYYY-MM")
    return f"{data_to} {publisher}: {name}"


@dataclass
class FileReport:
    """Manifest entry for one raw file: what was read, kept and rejected (with reasons)."""

    path: str
    sha256: str = ""
    rows_read: int = 0
    rows_kept: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    note: str = ""

    def reject(self, reason: str, n: int = 1) -> None:
        if n:
            self.rejected[reason] += int(n)

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "sha256": self.sha256,
            "rows_read": self.rows_read,
            "rows_kept": self.rows_kept,
            "rows_rejected": int(sum(self.rejected.values())),
            "rejected_reasons": dict(sorted(self.rejected.items())),
            "note": self.note,
        }


@dataclass
class Finding:
    """One data-quality observation about published data (shown by `data check`)."""

    kind: str  # e.g. zero_duplicate, suspicious_zero, unreconciled_total, partial_period
    severity: str  # "warning" (known defect of the published data, handled) or "error"
    file: str
    detail: str
    count: int = 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "severity": self.severity,
            "file": self.file,
            "detail": self.detail,
            "count": self.count,
        }


@dataclass
class ReadResult:
    """What one reader produced: observation frames, manifest entries, findings and labels seen."""

    frames: list[pl.DataFrame] = field(default_factory=list)
    files: list[FileReport] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    labels: list[tuple[str, str, str]] = field(default_factory=list)  # (family, label, file)

    def extend(self, other: ReadResult) -> None:
        self.frames += other.frames
        self.files += other.files
        self.findings += other.findings
        self.labels += other.labels


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file (provenance: which exact raw bytes a figure came from)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def new_report(root: Path, rel: str) -> FileReport:
    """Start the manifest entry of `rel` (relative to the raw root), hashing the file."""
    path = root / rel
    if not path.is_file():
        raise InputError(f"{path}: raw file missing")
    return FileReport(path=rel, sha256=sha256_of(path))


def map_labels(labels: list[str], family: str, file: str, res: ReadResult) -> dict[str, str | None]:
    """Resolve labels; unknown ones map to None and are recorded (never guessed)."""
    out: dict[str, str | None] = {}
    for label in labels:
        if label is None:
            continue
        res.labels.append((family, label, file))
        try:
            out[label] = resolve_label(label, family)
        except InputError:
            out[label] = None
    unmapped = sorted(k for k, v in out.items() if v is None)
    if unmapped:
        res.findings.append(
            Finding(
                "unmapped_label",
                "error",
                file,
                f"labels with no country mapping ({family}): {', '.join(unmapped)}",
                len(unmapped),
            )
        )
    return out


def obs_frame(
    df: pl.DataFrame, *, jurisdiction: str, unit: str, source: str, priority: int, release: str
) -> pl.DataFrame:
    """Complete a frame with iso3/period/indicator/value into the observation schema (one release)."""
    return df.select(
        pl.lit(jurisdiction).alias("jurisdiction"),
        pl.col("iso3"),
        pl.col("period").cast(pl.String),
        pl.col("indicator"),
        pl.col("value").cast(pl.Float64),
        (pl.col("unit") if "unit" in df.columns else pl.lit(unit)).alias("unit"),
        (pl.col("source") if "source" in df.columns else pl.lit(source)).alias("source"),
        (pl.col("release") if "release" in df.columns else pl.lit(release)).alias("release"),
        pl.lit(priority, dtype=pl.Int32).alias("priority"),
    )


def aggregate_by_nationality(
    df: pl.DataFrame,
    *,
    label_col: str,
    family: str,
    rep: FileReport,
    res: ReadResult,
    group: list[str],
    with_all: bool = True,
    values: tuple[str, ...] = ("value",),
) -> pl.DataFrame:
    """Sum `values` by (iso3, *group); non-country rows feed only the ALL total; unknown labels rejected.

    `df` has `label_col`, the `values` columns and the `group` columns; each raw row is counted once in
    the manifest however many value columns it carries. Rows with a null in any value are rejected.
    """
    rep.rows_read += df.height
    has_null = pl.any_horizontal(pl.col(list(values)).is_null())
    rep.reject("missing value", df.filter(has_null).height)
    df = df.filter(~has_null)
    mapping = map_labels(df[label_col].unique().sort().to_list(), family, rep.path, res)
    mdf = pl.DataFrame(
        {label_col: list(mapping), "iso3": [mapping[k] or "UNMAPPED" for k in mapping]},
        schema={label_col: pl.String, "iso3": pl.String},
    )
    df = df.join(mdf, on=label_col, how="left")
    counts = df.group_by("iso3").len()
    for code, n in counts.iter_rows():
        if code == "UNMAPPED":
            rep.reject("unmapped nationality label", n)
        elif code in ("NONCOUNTRY:region", "NONCOUNTRY:total"):
            rep.reject(f"aggregate label ({code.split(':', 1)[1]}): not a nationality, not summed", n)
        elif is_noncountry(code):
            rep.reject(f"non-country label ({code.split(':', 1)[1]}): counted in ALL only", n)
        else:
            rep.rows_kept += n
    countries = df.filter(~pl.col("iso3").str.starts_with("NONCOUNTRY:") & (pl.col("iso3") != "UNMAPPED"))
    parts = [countries.group_by(["iso3", *group]).agg(pl.col(list(values)).sum())]
    if with_all:
        # Region headers and published totals would double count: ALL sums rows that are one group each.
        agg_rows = df.filter(~pl.col("iso3").is_in(["NONCOUNTRY:region", "NONCOUNTRY:total", "UNMAPPED"]))
        parts.append(
            agg_rows.group_by(group)
            .agg(pl.col(list(values)).sum())
            .with_columns(pl.lit("ALL").alias("iso3"))
            .select(["iso3", *group, *values])
        )
    return pl.concat(parts)


def add_annual(df: pl.DataFrame, complete_years: set[str]) -> pl.DataFrame:
    """Add calendar-year totals (period "2023") summed from quarters ("2023Q1".."2023Q4").

    Only for years the file covers in full; partial years stay quarterly only (reported by readers).
    Not valid for ratios: callers pass counts only.
    """
    annual = (
        df.with_columns(pl.col("period").str.slice(0, 4).alias("period"))
        .filter(pl.col("period").is_in(sorted(complete_years)))
        .group_by(["iso3", "period", "indicator"])
        .agg(pl.col("value").sum())
    )
    return pl.concat(
        [
            df.select(["iso3", "period", "indicator", "value"]),
            annual.select(["iso3", "period", "indicator", "value"]),
        ]
    )


def complete_years(quarters: list[str]) -> set[str]:
    """Years with all four quarters present among period strings like "2023Q4"."""
    seen: dict[str, set[str]] = {}
    for q in quarters:
        seen.setdefault(q[:4], set()).add(q[4:])
    return {y for y, qs in seen.items() if qs >= {"Q1", "Q2", "Q3", "Q4"}}
