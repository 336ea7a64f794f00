"""`visalever data ingest`: Home Office workbooks merge into a temporary copy of the snapshot; bad input
exits 2 with one line naming file, sheet, row and column, and leaves the snapshot byte-identical."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

from visalever.cli import app
from visalever.paths import SNAPSHOT_DIR

VIS_HEADER = [
    "Year",
    "Quarter",
    "Nationality",
    "Region",
    "Visa type group",
    "Visa type",
    "Visa type subgroup",
    "Applicant type",
    "Case outcome",
    "Decisions",
]
RET_HEADER = [
    "Date",
    "Year",
    "Quarter",
    "Nationality",
    "Region",
    "Return type group",
    "Return type",
    "Age",
    "Sex",
    "Return destination group",
    "Number of returns",
]


@pytest.fixture()
def snapdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "snapshot"
    shutil.copytree(SNAPSHOT_DIR, d)
    monkeypatch.setenv("VISALEVER_SNAPSHOT_DIR", str(d))
    return d


def workbook(path: Path, sheets: dict[str, list[list[object]]], title_rows: int = 3) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for i in range(title_rows):  # published workbooks carry title/notes rows above the header
            ws.append([f"Note {i}: Home Office immigration statistics"])
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


def vis_rows() -> list[list[object]]:
    rows: list[list[object]] = [VIS_HEADER]
    for q in ("Q1", "Q2", "Q3", "Q4"):
        rows += [
            [2025, q, "India", "Asia South", "Work", "Skilled Worker", "x", "Main applicant", "Issued", 100],
            [2025, q, "India", "Asia South", "Work", "Skilled Worker", "x", "Dependant", "Issued", 50],
            [2025, q, "India", "Asia South", "Work", "Skilled Worker", "x", "Main applicant", "Refused", 7],
            [2025, q, "India", "Asia South", "Visitor", "Standard visitor", "x", "All", "Issued", 1000],
            [2025, q, "Stateless", "Other", "Family", "Partner", "x", "All", "Issued", 3],
        ]
    return rows


def snapshot_bytes(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(d.iterdir())}


def run(*args: str):
    return CliRunner().invoke(app, [*args])


def test_ingest_replaces_and_adds(snapdir: Path, tmp_path: Path) -> None:
    f = workbook(tmp_path / "vis.xlsx", {"Data_Vis_D02": vis_rows()})
    before = pl.read_parquet(snapdir / "observations.parquet")
    res = run("data", "ingest", str(f))
    assert res.exit_code == 0, res.output
    after = pl.read_parquet(snapdir / "observations.parquet")
    row = after.filter(iso3="IND", period="2025", indicator="visas.granted.work")
    assert row["value"].to_list() == [600.0]  # 4 x (100 main + 50 dependants); refusals not counted
    assert after.filter(iso3="IND", period="2025Q2", indicator="visas.granted.visitor")[
        "value"
    ].to_list() == [1000.0]
    assert after.filter(iso3="ALL", period="2025", indicator="visas.granted.family")["value"].to_list() == [
        12.0
    ]
    assert before.filter(iso3="IND", period="2025", indicator="visas.granted.work")["value"][0] != 600.0
    assert (
        after.height
        == before.height
        + after.filter(
            pl.col("period").str.contains("Q"), pl.col("indicator").str.starts_with("visas.")
        ).height
    )
    # The committed snapshot is untouched.
    assert pl.read_parquet(SNAPSHOT_DIR / "observations.parquet").equals(before)


def test_returns_sheet_with_header_not_on_first_row(snapdir: Path, tmp_path: Path) -> None:
    rows = [
        RET_HEADER,
        [
            "2025-03-31",
            2025,
            "Q1",
            "Albania",
            "Europe Other",
            "Enforced return",
            "x",
            "18-29",
            "Male",
            "Home country",
            12,
        ],
        [
            "2025-03-31",
            2025,
            "Q1",
            "Albania",
            "Europe Other",
            "Voluntary return",
            "x",
            "18-29",
            "Male",
            "Home country",
            5,
        ],
    ]
    f = workbook(tmp_path / "ret.xlsx", {"Data_Ret_D01": rows}, title_rows=7)
    assert run("data", "ingest", str(f)).exit_code == 0
    df = pl.read_parquet(snapdir / "observations.parquet")
    assert df.filter(iso3="ALB", period="2025Q1", indicator="returns.total")["value"].to_list() == [17.0]


def _bad_cases(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    trunc = tmp_path / "trunc.xlsx"
    good = workbook(tmp_path / "good.xlsx", {"Data_Vis_D02": vis_rows()})
    trunc.write_bytes(good.read_bytes()[:2000])
    text = tmp_path / "notes.xlsx"
    text.write_text("Year,Quarter,Nationality\n2025,Q1,India\n")
    neg = vis_rows()
    neg[3][-1] = -4
    nonnum = vis_rows()
    nonnum[2][-1] = "n/a"
    unknown = vis_rows()
    unknown[5][2] = "Atlantis"
    twice = vis_rows() + [vis_rows()[1]]
    nocol = [r[:-1] for r in vis_rows()]
    return {
        "truncated": (trunc, "trunc.xlsx"),
        "not a spreadsheet": (text, "notes.xlsx"),
        "missing sheet": (workbook(tmp_path / "nosheet.xlsx", {"Summary": [["x"]]}), "missing sheet"),
        "missing column": (workbook(tmp_path / "nocol.xlsx", {"Data_Vis_D02": nocol}), "'Decisions'"),
        "negative": (workbook(tmp_path / "neg.xlsx", {"Data_Vis_D02": neg}), "row 7 column 'Decisions'"),
        "non-numeric": (workbook(tmp_path / "nn.xlsx", {"Data_Vis_D02": nonnum}), "row 6 column 'Decisions'"),
        "unknown nationality": (
            workbook(tmp_path / "unk.xlsx", {"Data_Vis_D02": unknown}),
            "row 9 column 'Nationality'",
        ),
        "same period twice": (workbook(tmp_path / "twice.xlsx", {"Data_Vis_D02": twice}), "first at row 5"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "truncated",
        "not a spreadsheet",
        "missing sheet",
        "missing column",
        "negative",
        "non-numeric",
        "unknown nationality",
        "same period twice",
    ],
)
def test_bad_input_exits_2_and_leaves_snapshot_identical(case: str, snapdir: Path, tmp_path: Path) -> None:
    path, needle = _bad_cases(tmp_path)[case]
    good = tmp_path / "good.xlsx"
    before = snapshot_bytes(snapdir)
    res = run(
        "data", "ingest", str(good), str(path)
    )  # a good file first: nothing of it may be written either
    assert res.exit_code == 2, res.output
    line = " ".join(res.output.split())
    assert path.name in line and needle in line, line
    if case not in ("truncated", "not a spreadsheet"):
        assert "sheet" in line
    assert snapshot_bytes(snapdir) == before
