"""`visalever serve` as real subprocesses on free ports, waited for on /healthz, and stopped (or
killed with SIGKILL for crash tests). Used by the service tests and the dashboard's browser tests.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    """A TCP port that was free a moment ago (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def visalever_cmd(*args: str) -> list[str]:
    """The CLI as a subprocess with this interpreter (works without the console script on PATH)."""
    return [sys.executable, "-m", "visalever.cli", *args]


def run_cli(*args: str, env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess:
    """Run a `visalever` command and capture its output."""
    return subprocess.run(visalever_cmd(*args), capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def create_token(db_url: str, role: str) -> str:
    """`visalever token create --role ROLE --db URL` -> the token printed on stdout."""
    done = run_cli("token", "create", "--role", role, "--db", db_url)
    if done.returncode != 0:
        raise RuntimeError(f"token create failed: {done.stderr}")
    return done.stdout.strip()


class ServeProcess:
    """One `visalever serve` subprocess: `start()` waits for /healthz, `stop()`, `kill()` (SIGKILL)."""

    def __init__(self, db_url: str, *, policy: str = "uk-statutory", workers: int = 1,
                 port: int | None = None, extra_env: dict[str, str] | None = None,
                 startup_timeout: float = 60) -> None:
        self.db_url = db_url
        self.policy = policy
        self.workers = workers
        self.port = port or free_port()
        self.extra_env = extra_env or {}
        self.startup_timeout = startup_timeout
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = Path(tempfile.mkstemp(prefix="visalever-serve-", suffix=".log")[1])

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:PORT"""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServeProcess:
        """Start the server and wait until /healthz answers 200 (raises with the log tail otherwise)."""
        cmd = visalever_cmd("serve", "--host", "127.0.0.1", "--port", str(self.port), "--db", self.db_url,
                            "--policy", self.policy, "--workers", str(self.workers))
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                     env={**os.environ, **self.extra_env}, start_new_session=True)
        log.close()
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"visalever serve exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.base_url + "/healthz", timeout=1) as resp:
                    if resp.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"visalever serve did not answer /healthz in {self.startup_timeout}s:\n"
                           f"{self.log_tail()}")

    def log_tail(self, chars: int = 4000) -> str:
        """The end of the server's combined output."""
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def kill(self) -> None:
        """SIGKILL the whole process group (server and workers): a crash, no clean shutdown."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM (graceful), then SIGKILL if it does not exit in 10 s."""
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()

    def __enter__(self) -> ServeProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
