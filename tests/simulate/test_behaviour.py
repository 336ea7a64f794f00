"""Behaviour parameters: every value sourced or an explicit assumption; bad files fail with file and key."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from visalever.errors import InputError
from visalever.simulate.behaviour import (
    CATEGORIES,
    REQUIRED_PARAMETERS,
    default_behaviour_path,
    draw_parameters,
    load_behaviour,
)


def test_packaged_file_is_complete_and_every_parameter_has_provenance() -> None:
    beh = load_behaviour()
    assert set(REQUIRED_PARAMETERS) <= set(beh.parameters)
    for name, p in beh.parameters.items():
        assert p.sources or (p.assumption and p.reasoning), name
        for cat in CATEGORIES:
            lo, c, hi = p.band(cat)
            assert lo <= c <= hi, (name, cat)


def test_draws_are_seeded_within_range_and_single_draw_is_central() -> None:
    beh = load_behaviour()
    a = draw_parameters(beh, 500, seed=7)
    b = draw_parameters(beh, 500, seed=7)
    c = draw_parameters(beh, 500, seed=8)
    for name, p in beh.parameters.items():
        assert a[name].shape == (500, len(CATEGORIES))
        np.testing.assert_array_equal(a[name], b[name])
        for k, cat in enumerate(CATEGORIES):
            lo, _, hi = p.band(cat)
            assert a[name][:, k].min() >= lo and a[name][:, k].max() <= hi
    assert any(not np.array_equal(a[n], c[n]) for n in beh.parameters)
    one = draw_parameters(beh, 1)
    for name in beh.parameters:
        np.testing.assert_array_equal(one[name][0], beh.per_category_central(name))


def _write(tmp_path, mutate):
    raw = yaml.safe_load(default_behaviour_path().read_text())
    mutate(raw)
    path = tmp_path / "behaviour.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda r: r["parameters"]["surcharge_elasticity"].update(assumption=False, sources=[]), "sources"),
        (lambda r: r["parameters"]["refusal_rate"].update(central=0.9), "low <= central <= high"),
        (lambda r: r["parameters"].pop("refusal_rate"), "missing refusal_rate"),
        (lambda r: r["parameters"]["refusal_rate"]["by_category"].update(tour={"central": 0.1}), "tour"),
    ],
)
def test_bad_behaviour_file_names_file_and_key(tmp_path, mutate, fragment) -> None:
    path = _write(tmp_path, mutate)
    with pytest.raises(InputError) as err:
        load_behaviour(path)
    assert str(path) in str(err.value)
    assert fragment in str(err.value)
