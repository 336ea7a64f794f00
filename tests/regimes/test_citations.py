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
