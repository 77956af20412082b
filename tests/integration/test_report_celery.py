"""A report run through the real Redis broker to a real Celery worker, which reads the committed data
from the same PostgreSQL test database and writes the file."""
from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

import pytest

from motcua.calendar import VN_TZ
from procedures.models import Field, Procedure
from procedures.services import procedure_save
from reports.models import ReportRun
from reports.services import report_request
from tests.factories import UnitFactory, make_dossier
from tests.workers import celery_worker


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_produces_the_requested_json_report(settings, tmp_path):
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

    with celery_worker(settings.MEDIA_ROOT) as worker:
        run = report_request(unit=district, period="2023-Q1", fmt="json", by=None)  # enqueued on commit
        worker.wait_for(run)
    output = worker.output

    assert run.status == "done", (run.status, run.error, output)
    assert (run.attempts, run.progress) == (1, 100)
    assert ReportRun.objects.count() == 1
    report = json.loads(run.file.read())
    assert report["unit"] == {"code": "298", "name": "Huyện Tứ Kỳ"}
    assert report["totals"]["received"]["total"] == 3 and report["totals"]["received"]["online"] == 2
    assert [row["unit_code"] for row in report["by_unit"]] == ["11089"]
    assert run.size == len(run.file.open("rb").read())
    assert "Traceback" not in output, output
