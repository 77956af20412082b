"""A real Celery worker, through the real Redis broker started by `make test`."""
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.celery_worker
def test_a_task_goes_through_redis_to_a_worker_and_back():
    if not os.environ.get("REDIS_URL"):
        pytest.fail("REDIS_URL is not set: run the suite through `make test`")
    from motcua.tasks import ping

    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "motcua", "worker", "--pool=solo", "--loglevel=WARNING",
         "--without-heartbeat", "--without-gossip", "--without-mingle", "-n", f"test-{os.getpid()}@localhost"],
        cwd=ROOT, env=os.environ.copy(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        started = time.monotonic()
        result = ping.delay()
        assert result.get(timeout=60) == "pong"
        assert time.monotonic() - started < 60
    finally:
        worker.terminate()
        try:
            output, _ = worker.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            output, _ = worker.communicate()
    assert "Traceback" not in output, output
