"""A real Celery worker in a child process, on the suite's Redis and its test database."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def test_database_url() -> str:
    """The URL of the database the tests run on (the test database, not the one in DATABASE_URL)."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}"


test_database_url.__test__ = False  # a helper, not a test


class Worker:
    def __init__(self, process: subprocess.Popen):
        self.process = process
        self.output = ""

    def wait_for(self, run, *, seconds: float = 60) -> None:
        """Poll a ReportRun until it is done or failed (the worker must stay alive meanwhile)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            run.refresh_from_db()
            if run.status in ("done", "failed"):
                return
            assert self.process.poll() is None, "the worker stopped"
            time.sleep(0.5)


@contextmanager
def celery_worker(media_root):
    """Start `celery worker` (solo pool) for the block; its output is in ``worker.output`` afterwards."""
    if not os.environ.get("REDIS_URL"):
        raise AssertionError("REDIS_URL is not set: run the suite through `make test`")
    env = {**os.environ, "DATABASE_URL": test_database_url(), "MEDIA_ROOT": str(media_root)}
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "motcua", "worker", "--pool=solo", "--loglevel=WARNING",
         "--without-heartbeat", "--without-gossip", "--without-mingle", "-n", f"reports-{os.getpid()}@localhost"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    worker = Worker(process)
    try:
        yield worker
    finally:
        process.terminate()
        try:
            worker.output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            worker.output, _ = process.communicate()
