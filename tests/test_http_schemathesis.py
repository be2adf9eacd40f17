"""schemathesis over the server's own OpenAPI document: every check, positive and negative data, a real server.

`make test` runs a short pass (a few examples per operation); `make fuzz` raises ``SCHEDTOP_FUZZ_CASES`` and
varies ``SCHEDTOP_FUZZ_SEED``. The checks and the few documented exceptions (the deliberate upstream 500, domain
400s for ids that name nothing) live in tests/fuzz/schemathesis.toml.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from .test_faults_shutdown import start_server, terminate

CONFIG = Path(__file__).parent / "fuzz" / "schemathesis.toml"
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
EXAMPLES = int(os.environ.get("SCHEDTOP_FUZZ_CASES", "8"))
SEED = int(os.environ.get("SCHEDTOP_FUZZ_SEED", "20150311"))


def test_schemathesis_finds_no_failure_in_any_operation(tmp_path: Path) -> None:
    process, url = start_server(tmp_path / "engine.db", "--demo", "--speed", "30")
    try:
        run = subprocess.run(
            [
                str(SCHEMATHESIS),
                "--config-file",
                str(CONFIG),
                "run",
                f"{url}/openapi.json",
                "--max-examples",
                str(EXAMPLES),
                "--seed",
                str(SEED),
                "--no-color",
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        terminate(process)
    report = run.stdout + run.stderr
    generated = re.search(r"(\d+) generated", report)
    print(f"schemathesis seed {SEED}, {EXAMPLES} examples per operation: {generated and generated.group(0)}")
    assert run.returncode == 0, report[-6000:]
    assert generated is not None and int(generated.group(1)) >= 300
    assert process.stderr is not None
    assert "Traceback" not in process.stderr.read()
