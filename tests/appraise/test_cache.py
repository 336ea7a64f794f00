"""The analysis cache: one computation per key and input stamp, copies handed out, a changed input file
recomputes (the stamp is replaced here so no real file is touched)."""

from __future__ import annotations

import pytest

from visalever.appraise import cache


def test_cached_once_per_stamp_and_copies(monkeypatch: pytest.MonkeyPatch) -> None:
    cache.clear()
    stamp = {"v": 1}
    monkeypatch.setattr(cache, "stamp", lambda: (stamp["v"],))
    calls = []

    def make() -> dict:
        calls.append(1)
        return {"figures": [1, 2]}

    first, hit1 = cache.cached_hit("k", make)
    first["figures"].append(3)  # a caller's change never reaches the cache
    second, hit2 = cache.cached_hit("k", make)
    assert (hit1, hit2) == (False, True) and second == {"figures": [1, 2]} and len(calls) == 1
    stamp["v"] = 2  # the snapshot or a regime file changed
    assert cache.cached_hit("k", make)[1] is False and len(calls) == 2
    cache.clear()
