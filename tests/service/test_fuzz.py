"""Schemathesis over /openapi.json of a live server (bounded number of cases per operation), with a
token that may decide and one that may administer: no 5xx anywhere, and every response conforms to
the published document (its status is listed, its body matches the schema: e.g. no `Money` with a
null amount, no undocumented outcome)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tests.service.helpers import Service, tokens_for
from tests.support.servers import ServeProcess

MAX_EXAMPLES = 25


def _schemathesis() -> list[str]:
    exe = Path(sys.executable).with_name("schemathesis")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("schemathesis")
    if found is None:
        pytest.fail("schemathesis is a test dependency (pip install -e '.[test]')")
    return [found]


@pytest.mark.parametrize("role", ["caseworker", "policy_admin"])
def test_no_server_errors(tmp_path, role: str) -> None:  # type: ignore[no-untyped-def]
    db_url = f"sqlite:///{tmp_path / 'fuzz.db'}"
    tokens = tokens_for(db_url)
    with ServeProcess(db_url) as server:
        service = Service(server, db_url, tokens)
        cmd = [*_schemathesis(), "run", f"{service.url}/openapi.json", "--checks",
               "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance",
               "--max-examples", str(MAX_EXAMPLES), "--seed", "7", "--phases", "examples,coverage,fuzzing",
               "--exclude-path-regex", "^/v1/simulations", "--exclude-path-regex", "^/(countries|assets)",
               "--header", f"Authorization: Bearer {tokens[role]}", "--request-timeout", "30", "--no-color"]
        # cwd: schemathesis writes a .schemathesis cache in the working directory; keep it out of the repo
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=tmp_path)
        tail = (done.stdout + done.stderr)[-6000:]
        assert done.returncode == 0, tail
        assert "Server error" not in done.stdout, tail
