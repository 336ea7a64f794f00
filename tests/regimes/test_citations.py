"""Meta-test: every parameter value, agreement and designation in every regime pack has a citation."""

from __future__ import annotations

from visalever.paths import REGIMES_DIR
from visalever.policy import check_file, jurisdictions, load_agreements, load_designations
from visalever.policy.loader import load_parameters


def test_every_parameter_value_has_a_reference() -> None:
    count = 0
    for j in jurisdictions():
        params, _ = load_parameters(j)
        for pid, p in params.items():
            for start, pv in p.values.items():
                assert pv.reference.title, (j, pid, start)
                assert pv.reference.url or pv.reference.instrument, (j, pid, start)
                count += 1
    assert count > 0


def test_agreements_and_designations_have_sources() -> None:
    for j in jurisdictions():
        for a in load_agreements(j):
            assert a.sources and all(s.title for s in a.sources), a.iso3
        for d in load_designations(j):
            assert d.sources and all(s.title for s in d.sources), d.id


def test_every_packaged_regime_file_validates() -> None:
    files = sorted(REGIMES_DIR.glob("*/parameters/*.yaml")) + sorted(REGIMES_DIR.glob("*/policies/*.yaml"))
    files += sorted(REGIMES_DIR.glob("*/agreements.yaml")) + sorted(REGIMES_DIR.glob("*/designations.yaml"))
    assert files
    for f in files:
        assert check_file(f)


def _visa_requirement_files() -> list:
    return sorted(REGIMES_DIR.glob("*/visa_requirements.yaml"))


def test_every_visa_requirement_entry_is_known_and_cited() -> None:
    """Each regime's visa-requirement list (issue 11 item 2): known iso3 codes, a citation per entry, a
    note saying what was (not) read when unverified, sane windows, and no own national listed as visa-free."""
    import datetime as dt

    import yaml

    from visalever.policy.codes import is_known

    files = _visa_requirement_files()
    assert {f.parent.name for f in files} >= {"uk", "eu", "us"}
    allowed = {"visit", "study", "work", "family", "other"}
    for f in files:
        doc = yaml.safe_load(f.read_text())
        assert doc["description"].strip(), f
        own = doc["own_nationals"]
        assert own["iso3"] and all(is_known(c) for c in own["iso3"]), (f, own["iso3"])
        oref = own["reference"]
        assert oref["title"] and (oref.get("url") or oref.get("instrument")), f
        seen: dict[str, list] = {}
        for i, e in enumerate(doc["visa_free"]):
            where = f"{f}:visa_free.{i}"
            assert is_known(e["iso3"]), where
            assert e["iso3"] not in own["iso3"], where
            assert e["categories"] and set(e["categories"]) <= allowed, where
            ref = e["reference"]
            assert ref["title"].strip() and (ref.get("url") or ref.get("instrument")), where
            assert isinstance(e["verified"], bool), where
            if not e["verified"]:
                assert (e.get("note") or "").strip(), f"{where}: unverified entry needs a note"
            start, end = e.get("from"), e.get("until")
            for v in (start, end):
                assert v is None or isinstance(v, dt.date), where
            if start and end:
                assert start < end, where
            seen.setdefault(e["iso3"], []).append((start or dt.date.min, end or dt.date.max))
        for code, spans in seen.items():  # windows of one country do not overlap
            spans.sort()
            assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False)), (f, code)


def test_every_designations_file_and_instrument_is_cited_and_grounded() -> None:
    """Issue 12: every designations file (incl. designations_*.yaml of us-212f and the UK brake) validates,
    each act has a titled source, and each act from 2025 on states its ground explicitly in the YAML;
    tracked instruments carry a reference and sources (unverified ones a note, enforced by the model)."""
    import datetime as dt

    import yaml

    from visalever.policy.in_force import designation_files
    from visalever.policy.instruments import load_instruments

    n = 0
    for j in jurisdictions():
        for f in designation_files(j):
            assert check_file(f)
            for i, d in enumerate(yaml.safe_load(f.read_text())["designations"]):
                where = f"{f}:designations.{i}"
                assert d["sources"] and all(s["title"] for s in d["sources"]), where
                if d["start"] >= dt.date(2025, 1, 1):
                    assert d.get("ground") in ("returns", "asylum", "security", "other"), where
                n += 1
        for ins in load_instruments(j):
            assert ins.reference.title and ins.sources, ins.id
    assert n > 80
