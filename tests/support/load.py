"""A lean HTTP/1.1 keep-alive load client (asyncio streams, no HTTP library overhead), so that the
client costs little CPU next to the server on a 2-core machine. Each virtual client sends its
requests in order and, on a dropped connection (a server killed mid-load), reconnects and retries
the same request (same Idempotency-Key) until it gets an answer or the deadline passes.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Request:
    """One request to send: method, path, JSON body, extra headers."""

    method: str
    path: str
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Result:
    """The answer to one request: status, parsed JSON body, latency in seconds, attempts made, and
    the statuses of the attempts that were retried (503 while a database was down, ...)."""

    request: Request
    status: int
    body: Any
    latency: float
    attempts: int
    retried: list[int] = field(default_factory=list)


def _encode(req: Request, host: str) -> bytes:
    payload = b"" if req.body is None else json.dumps(req.body, separators=(",", ":")).encode()
    lines = [f"{req.method} {req.path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(payload)}"]
    if req.body is not None:
        lines.append("Content-Type: application/json")
    lines.extend(f"{k}: {v}" for k, v in req.headers.items())
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    chunked = False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        lname = name.strip().lower()
        if lname == "content-length":
            length = int(value.strip())
        elif lname == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if chunked:
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            body += chunk[:-2]
        return status, body
    return status, await reader.readexactly(length) if length else b""


async def _client(targets: Sequence[tuple[str, int]], index: int, requests: Sequence[Request],
                  results: list[Result], deadline: float, retry_statuses: frozenset[int],
                  rotate: bool = False) -> None:
    reader = writer = None
    target_i = index % len(targets)
    for req in requests:
        attempts = 0
        retried: list[int] = []
        start = time.perf_counter()
        while True:
            attempts += 1
            host, port = targets[target_i]
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, port)
                writer.write(_encode(req, f"{host}:{port}"))
                status, raw = await _read_response(reader)  # type: ignore[arg-type]
                if status in retry_statuses and time.monotonic() < deadline:
                    retried.append(status)
                    await asyncio.sleep(0.05)
                    continue
                body = json.loads(raw) if raw else None
                results.append(Result(req, status, body, time.perf_counter() - start, attempts, retried))
                if rotate and len(targets) > 1:
                    writer.close()
                    reader = writer = None
                    target_i = (target_i + 1) % len(targets)
                break
            except (OSError, asyncio.IncompleteReadError, ValueError):
                if writer is not None:
                    writer.close()
                reader = writer = None
                retried.append(0)  # connection lost (0: no status)
                if time.monotonic() > deadline:
                    results.append(Result(req, 0, None, time.perf_counter() - start, attempts, retried))
                    break
                target_i = (target_i + 1) % len(targets)  # fail over to another server if there is one
                await asyncio.sleep(0.05)
    if writer is not None:
        writer.close()


async def run_load_async(targets: Sequence[tuple[str, int]], plans: Sequence[Sequence[Request]],
                         timeout: float = 300, retry_statuses: frozenset[int] = frozenset({502, 503}),
                         during: Callable[[], Any] | None = None, rotate: bool = False) -> list[Result]:
    """Run one coroutine per plan (a virtual client) against `targets` (round-robin by client).

    `rotate`: each client sends each request to the next target (a new connection each time), so
    that every server keeps getting traffic, also one restarted after a crash."""
    results: list[Result] = []
    deadline = time.monotonic() + timeout
    tasks = [asyncio.create_task(_client(targets, i, plan, results, deadline, retry_statuses, rotate))
             for i, plan in enumerate(plans)]
    if during is not None:
        await during()
    await asyncio.gather(*tasks)
    return results


def run_load(targets: Sequence[tuple[str, int]], plans: Sequence[Sequence[Request]],
             **kwargs: Any) -> list[Result]:
    """Synchronous wrapper around `run_load_async`."""
    return asyncio.run(run_load_async(targets, plans, **kwargs))


def percentile(values: Sequence[float], q: float) -> float:
    """The q-quantile (0..1) by nearest rank."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]
