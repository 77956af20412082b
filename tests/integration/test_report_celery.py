"""A report run through the real Redis broker to a real Celery worker, which reads the committed data
from the same PostgreSQL test database and writes the file."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from motcua.calendar import VN_TZ
from procedures.models import Field, Procedure
from procedures.services import procedure_save
from reports.models import ReportRun
from reports.services import report_request
from tests.factories import UnitFactory, make_dossier

ROOT = Path(__file__).resolve().parents[2]


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


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_produces_the_requested_json_report(settings, tmp_path):
    if not os.environ.get("REDIS_URL"):
        pytest.fail("REDIS_URL is not set: run the suite through `make test`")
    settings.MEDIA_ROOT = tmp_path / "media"

    province = UnitFactory(code="30", name="Tỉnh Hải Dương", level="province")
    district = UnitFactory(code="298", name="Huyện Tứ Kỳ", level="district", parent=province)
    commune = UnitFactory(code="11089", name="Xã Ngọc Kỳ", level="commune", parent=district)
    field = Field.objects.create(code="HT", name="Hộ tịch")
    birth = Procedure(code="1.001193", name="Đăng ký khai sinh", field=field, level="commune", processing_days=Decimal(3))
    procedure_save(procedure=birth)
    for day, channel in ((9, "online"), (10, "direct"), (11, "online")):
        make_dossier(procedure=birth, unit=commune, channel=channel, received_at=datetime(2023, 1, day, 9, tzinfo=VN_TZ),
                     due_at=datetime(2023, 1, day + 3, 9, tzinfo=VN_TZ))

    env = {**os.environ, "DATABASE_URL": test_database_url(), "MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "motcua", "worker", "--pool=solo", "--loglevel=WARNING",
         "--without-heartbeat", "--without-gossip", "--without-mingle", "-n", f"reports-{os.getpid()}@localhost"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        run = report_request(unit=district, period="2023-Q1", fmt="json", by=None)  # enqueued on commit
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            run.refresh_from_db()
            if run.status in ("done", "failed"):
                break
            assert worker.poll() is None, "the worker stopped"
            time.sleep(0.5)
    finally:
        worker.terminate()
        try:
            output, _ = worker.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            output, _ = worker.communicate()

    assert run.status == "done", (run.status, run.error, output)
    assert (run.attempts, run.progress) == (1, 100)
    assert ReportRun.objects.count() == 1
    report = json.loads(run.file.read())
    assert report["unit"] == {"code": "298", "name": "Huyện Tứ Kỳ"}
    assert report["totals"]["received"]["total"] == 3 and report["totals"]["received"]["online"] == 2
    assert [row["unit_code"] for row in report["by_unit"]] == ["11089"]
    assert run.size == len(run.file.open("rb").read())
    assert "Traceback" not in output, output
