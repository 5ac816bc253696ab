"""A scheduled run's process starts light: Prefect starts every scheduled run in a new interpreter that
imports `feedhub.flow`, so that import must not pull in the command line, migrations, the web app or
the deployment machinery (bench/bench_flows.py measures the start as `worker_process_start`)."""

from __future__ import annotations

import json
import subprocess
import sys

NOT_FOR_A_RUN = ("typer", "alembic", "fastapi", "uvicorn", "prefect.deployments.runner", "feedhub.cli")
PROBE = "import json, sys, feedhub.flow; print(json.dumps(sorted(sys.modules)))"


def test_the_flow_module_imports_what_a_run_needs_only() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    modules = set(json.loads(done.stdout.splitlines()[-1]))
    assert {"flows.project_flow", "sqlalchemy", "prefect"} <= modules  # the probe did import the run's code
    assert sorted(name for name in NOT_FOR_A_RUN if name in modules) == []
