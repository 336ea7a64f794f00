"""A small in-process cache for analysis documents, invalidated when the snapshot or a regime file changes.

Effects, options and packages are pure functions of the snapshot, the regime files and their
arguments; the service answers the same question many times (a brief asks for the package every
time), so results are kept per process and dropped as soon as any input file changes on disk.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")
_MAX = 32
_STORE: OrderedDict[Hashable, Any] = OrderedDict()
_LOCK = threading.Lock()  # the service computes in worker threads


def stamp() -> tuple[Any, ...]:
    """Modification times of the snapshot and of every regime file: any edit changes the stamp."""
    from visalever import snapshot
    from visalever.paths import REGIMES_DIR

    snap = snapshot.snapshot_dir() / snapshot.OBS_FILE
    files = sorted(REGIMES_DIR.rglob("*.yaml"))
    return (snap.stat().st_mtime_ns if snap.is_file() else 0, tuple(f.stat().st_mtime_ns for f in files))


def cached(key: Hashable, make: Callable[[], T]) -> T:
    """`make()` once per key and input stamp; callers get a deep copy they may change."""
    return cached_hit(key, make)[0]


def cached_hit(key: Hashable, make: Callable[[], T]) -> tuple[T, bool]:
    """Like `cached`, also saying whether the answer came from the cache."""
    full = (key, stamp())
    with _LOCK:
        hit = _STORE.get(full)
        if hit is not None:
            _STORE.move_to_end(full)
    if hit is not None:
        return copy.deepcopy(hit), True
    value = make()  # outside the lock: two threads may compute the same answer once each
    with _LOCK:
        _STORE[full] = value
        while len(_STORE) > _MAX:
            _STORE.popitem(last=False)
    return copy.deepcopy(value), False


def clear() -> None:
    with _LOCK:
        _STORE.clear()
