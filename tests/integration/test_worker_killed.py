"""A Celery worker SIGKILLed in the middle of a report job: the job is delivered again and finishes
with exactly one file and one done state.

Real pieces only: the Redis server of scripts/test.sh, the test database (committed data: a
transactional test), and two real worker processes (``--pool=solo``) in their own process groups.
The first is killed with SIGKILL (its whole group) while it renders a district's PDF; it never
acknowledges the message (acks_late), so once Redis's visibility timeout has passed the second
worker receives it again, claims the run again once its claim has gone stale (the conditional
UPDATE in reports.services._claim), and writes the one file. Both timeouts are shortened for the
workers through their environment (CELERY_VISIBILITY_TIMEOUT, REPORT_STALE_AFTER_SECONDS).
"""
from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from dossiers.models import Dossier
from motcua.calendar import VN_TZ
from procedures.models import Field, Posting, Procedure
from reports.models import ReportRun, RunStatus
from reports.services import report_request
from tests.factories import UnitFactory
from tests.workers import test_database_url

ROOT = Path(__file__).resolve().parents[2]
VISIBILITY_TIMEOUT = 4  # seconds before Redis hands an unacknowledged message to another worker
STALE_AFTER = 4  # seconds before a "running" run is taken for a dead worker's
COMMUNES = 80
FIELDS = 80
PERIOD = "2023-Q1"


def build_district():
    """A district of COMMUNES communes and FIELDS fields, each commune with a dossier in each field: the
    PDF's two tables run to several pages (a few seconds of WeasyPrint)."""
    province = UnitFactory(code="30", name="Tỉnh Hải Dương", level="province")
    district = UnitFactory(code="298", name="Huyện Tứ Kỳ", level="district", parent=province)
    communes = [
        UnitFactory(code=f"{11000 + i}", name=f"Xã Thử Nghiệm Số {i:02d}", level="commune", parent=district)
        for i in range(COMMUNES)
    ]
    fields = Field.objects.bulk_create(Field(code=f"LV{i:02d}", name=f"Lĩnh vực thử nghiệm số {i:02d}") for i in range(FIELDS))
    procedures = Procedure.objects.bulk_create(
        Procedure(code=f"9.{i:06d}", name=f"Thủ tục thử nghiệm số {i:02d}", field=field, level="commune",
                  processing_days=Decimal(3))
        for i, field in enumerate(fields)
    )
    Posting.objects.bulk_create(Posting(unit=commune, procedure=procedure) for commune in communes for procedure in procedures)
    received = datetime(2023, 1, 9, 9, 0, tzinfo=VN_TZ)
    dossiers = []
    for c, commune in enumerate(communes):
        for p, procedure in enumerate(procedures):
            at = received + timedelta(days=(c + p) % 40, minutes=c)
            resolved = (c + p) % 3 != 0
            dossiers.append(Dossier(
                code=f"TEST-{c:03d}-{p:03d}", receiving_unit=commune, handling_unit=commune, procedure=procedure,
                processing_days=procedure.processing_days, applicant_name="Nguyễn Văn An",
                channel=("online", "direct", "postal")[(c + p) % 3], received_at=at, counting_from=at,
                due_at=at + timedelta(days=3), status="resolved" if resolved else "received",
                resolved_at=at + timedelta(days=2) if resolved else None, outcome="early" if resolved else "",
            ))
    Dossier.objects.bulk_create(dossiers, batch_size=1000)
    return district


def start_worker(name: str, env: dict, log: Path) -> subprocess.Popen:
    with open(log, "w") as out:  # a file, not a pipe: a worker never blocks on a full pipe
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "motcua", "worker", "--pool=solo", "--loglevel=INFO",
             "--without-heartbeat", "--without-gossip", "--without-mingle", "-n", f"{name}-{os.getpid()}@localhost"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, text=True,
            start_new_session=True,  # its own process group, killed whole
        )
    worker.log = log
    return worker


def kill_group(worker: subprocess.Popen) -> str:
    """SIGKILL the worker's whole process group (nothing of it survives) and return what it printed."""
    if worker.poll() is None:
        try:
            os.killpg(worker.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    worker.wait(timeout=30)
    return worker.log.read_text(errors="replace")


def wait_for(condition, *, timeout: float, worker: subprocess.Popen | None = None, what: str) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        if worker is not None and worker.poll() is not None:
            pytest.fail(f"the worker stopped while waiting for {what}:\n{worker.log.read_text(errors='replace')}")
        time.sleep(0.1)
    pytest.fail(f"{what} did not happen within {timeout} s")


def files_under(directory: Path) -> list[Path]:
    return sorted(path for path in directory.rglob("*") if path.is_file()) if directory.exists() else []


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_report_job_whose_worker_is_killed_is_redelivered_and_done_once(settings, tmp_path, trust):
    if not os.environ.get("REDIS_URL"):
        pytest.fail("REDIS_URL is not set: run the suite through `make test`")
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.REPORT_STALE_AFTER_SECONDS = STALE_AFTER
    district = build_district()
    env = {
        **os.environ, "DATABASE_URL": test_database_url(), "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT), "REPORT_STALE_AFTER_SECONDS": str(STALE_AFTER),
    }
    first = second = None
    first_output = second_output = ""
    try:
        first = start_worker("doomed", env, tmp_path / "doomed.log")
        run = report_request(unit=district, period=PERIOD, fmt="pdf", by=None)  # enqueued on commit

        def claimed():
            run.refresh_from_db()
            return run.status == RunStatus.RUNNING

        wait_for(claimed, timeout=60, worker=first, what="the first worker's claim")
        claimed_at = time.monotonic()

        def rendering():  # the figures are built (60 %): WeasyPrint lays out the pages
            run.refresh_from_db()
            return run.status != RunStatus.RUNNING or run.progress >= 60

        wait_for(rendering, timeout=60, worker=first, what="the rendering")
        time.sleep(0.5)  # in the middle of the PDF
        first_output = kill_group(first)
        run.refresh_from_db()
        assert (run.status, run.attempts) == (RunStatus.RUNNING, 1), (
            f"the job ended before the worker was killed ({run.status}): make the data bigger\n{first_output}")
        run_directory = Path(settings.MEDIA_ROOT) / "reports" / district.code
        assert files_under(run_directory) == []

        # Redis redelivers once the message has been unacknowledged for the visibility timeout; a worker
        # starting after that moment restores it at once.
        time.sleep(max(0.0, claimed_at + VISIBILITY_TIMEOUT + 1 - time.monotonic()))
        second = start_worker("survivor", env, tmp_path / "survivor.log")

        def done():
            run.refresh_from_db()
            return run.status in (RunStatus.DONE, RunStatus.FAILED)

        wait_for(done, timeout=90, worker=second, what="the redelivered job")
        time.sleep(2)  # a duplicate delivery, if any, would write its file now
        run.refresh_from_db()
    finally:
        if first is not None and first.returncode is None:
            first_output = kill_group(first)
        if second is not None:
            second_output = kill_group(second)

    assert run.status == RunStatus.DONE, (run.status, run.error, second_output)
    assert run.attempts >= 2 and run.progress == 100
    assert ReportRun.objects.count() == 1 and ReportRun.objects.filter(status=RunStatus.DONE).count() == 1
    files = files_under(Path(settings.MEDIA_ROOT))
    assert len(files) == 1, files
    content = files[0].read_bytes()
    assert files[0] == Path(settings.MEDIA_ROOT) / run.file.name
    assert content.startswith(b"%PDF") and run.size == len(content)
    assert run.checksum == hashlib.sha256(content).hexdigest()
    assert "Traceback" not in second_output, second_output
    trust("fault: report jobs redelivered after their worker was SIGKILLed, then done once", 1)
    trust("fault: report files written by the redelivered job (one per job)", len(files))
