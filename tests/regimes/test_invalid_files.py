"""Invalid regime files are refused whole, with one line naming the file, key path and reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from visalever.errors import InputError
from visalever.policy import check_file, load_policy

HERE = Path(__file__).parent
INVALID = sorted((HERE / "invalid").glob("*.yaml"))


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_file_is_refused_with_location(path: Path) -> None:
    expected = path.read_text().splitlines()[0].removeprefix("# expect:").strip()
    with pytest.raises(InputError) as err:
        check_file(path)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(str(path)), message
    assert expected in message, message


def test_invalid_fixture_kinds_are_all_present() -> None:
    names = {p.stem for p in INVALID}
    assert {
        "duplicate_key",
        "bad_date",
        "missing_citation",
        "unknown_country",
        "cel_syntax",
        "unknown_parameter",
    } <= names


def test_valid_reform_loads_and_applies_whole() -> None:
    import datetime as dt

    from visalever.policy import Application, decide

    reform = load_policy(HERE / "valid" / "reform_surcharge_pakistan.yaml")
    assert reform.status == "scenario" and reform.extends == "uk-statutory"
    base = load_policy("uk-statutory")
    assert reform.revision != base.revision
    app = Application(
        application_id="a", nationality="PAK", category="visit", application_date=dt.date(2026, 4, 1)
    )
    d = decide(app, reform)
    assert (d.fee.amount, d.surcharge.amount) == (150, 190)
    assert "HYPOTHETICAL" in d.policy.note
    assert decide(app, base).fee.amount == 127
    # parent parameters not touched by the diff are inherited unchanged
    assert reform.parameters["fees.study"] == base.parameters["fees.study"]
