"""Work longer than a request (issue 14): no request does more than a few seconds of work, and a job whose
worker died is noticed within a minute or two.

- a large catalogue file is checked, then written, by Celery jobs; the page refreshes until each ends;
  without a broker the job runs in-process and the page shows the preview at once;
- the register's PDF and Excel file refuse a selection over their limits before loading it, saying
  in Vietnamese how to narrow it;
- a running report job beats its heartbeat; a run whose heartbeat stopped is sent again once, then marked
  failed, and a new request never attaches to it — with a real worker SIGKILLed mid-PDF;
- a request body over the configured size is refused with 413 before it is read.
"""
from __future__ import annotations

import os
import re
import time
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from dossiers.printing import register
from procedures import import_jobs
from procedures.models import CatalogueImport, Posting, Procedure
from reports import services, tasks
from reports.models import ReportRun, RunStatus
from tests.factories import PASSWORD, make_dossier, vn

HEADER = "code,name,field_code,field_name,level,processing_days,fee,online_level\n"
GOOD_FILE = HEADER + (
    "1.001022,Đăng ký khai tử,HT,Hộ tịch,xã,0,Không,toàn trình\n"
    "2.000908,Cấp bản sao trích lục hộ tịch,HT,Hộ tịch,xã,0,Lệ phí: 8.000 đồng,một phần\n"
)
BAD_FILE = HEADER + (
    "1.001022,Đăng ký khai tử,HT,Hộ tịch,xã,0,Không,toàn trình\n"
    "2.000908,Cấp bản sao trích lục hộ tịch,HT,Hộ tịch,thôn,ba ngày,Lệ phí: 8.000 đồng,một phần\n"
)


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def upload(client, text: str):
    file = BytesIO(text.encode("utf-8"))
    file.name = "danh-muc.csv"
    return client.post(reverse("procedures:procedure-import"), {"file": file})


# -- 1. the catalogue import as jobs ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_large_catalogue_file_is_checked_then_written_by_jobs_while_its_page_refreshes(
    client, focal_a, commune_a, settings, django_capture_on_commit_callbacks,
):
    settings.CATALOGUE_IMPORT_INLINE_BYTES = 100  # every file of this test counts as large
    client = login(client, focal_a)
    with django_capture_on_commit_callbacks() as sent:  # the job is handed to the broker after commit
        response = upload(client, GOOD_FILE)
    job = CatalogueImport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("procedures:import-job", args=[job.token])
    assert (job.stage, job.status, job.user, job.unit, bytes(job.data)) == ("check", "queued", focal_a, commune_a, GOOD_FILE.encode())
    assert len(sent) == 1

    waiting = client.get(response["Location"])
    assert waiting.status_code == 200 and waiting["Refresh"] == "2"
    assert 'data-status="queued"' in waiting.content.decode() and "<script" not in waiting.content.decode()

    import_jobs.catalogue_import_run(job.pk)  # the worker's check
    preview = client.get(response["Location"])
    page = preview.content.decode()
    assert preview.status_code == 200 and "Refresh" not in preview
    assert re.search(r'data-testid="created">2<', page) and "Đăng ký khai tử" in page
    assert not Procedure.objects.filter(code="1.001022").exists()  # a dry run only
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    assert token == job.token

    with django_capture_on_commit_callbacks() as sent:
        confirmed = client.post(reverse("procedures:procedure-import"), {"token": token})
    assert confirmed.status_code == 302 and confirmed["Location"] == response["Location"] and len(sent) == 1
    assert client.post(reverse("procedures:procedure-import"), {"token": token})["Location"] == reverse(
        "procedures:procedure-import")  # a checked file is confirmed once
    assert not Procedure.objects.filter(code="1.001022").exists()

    import_jobs.catalogue_import_run(job.pk)  # the worker's write
    done = client.get(response["Location"]).content.decode()
    assert 'data-testid="import-done"' in done and "2" in done
    assert set(Posting.objects.filter(unit=commune_a, procedure__code__in=["1.001022", "2.000908"])
               .values_list("is_active", flat=True)) == {True}
    job.refresh_from_db()
    assert (job.stage, job.status, job.progress, bytes(job.data)) == ("write", "done", 100, b"")


@pytest.mark.django_db
def test_a_bad_large_file_is_named_row_by_row_and_its_job_page_is_its_uploaders_only(
    client, focal_a, focal_b, settings, django_capture_on_commit_callbacks,
):
    settings.CATALOGUE_IMPORT_INLINE_BYTES = 100
    with django_capture_on_commit_callbacks():
        location = upload(login(client, focal_a), BAD_FILE)["Location"]
    job = CatalogueImport.objects.get()
    import_jobs.catalogue_import_run(job.pk)
    page = client.get(location).content.decode()
    errors = re.search(r'data-testid="import-errors">(.*?)</ul>', page, re.S).group(1)
    assert re.findall(r"<li>\D*?(\d+):", errors) == ["3"] and "thôn" in errors
    assert 'name="token"' not in page and Procedure.objects.count() == 0
    client.logout()
    assert login(client, focal_b).get(location).status_code == 404


@pytest.mark.django_db
def test_without_a_broker_the_check_runs_in_process_and_the_page_shows_the_preview_at_once(
    client, focal_a, settings, django_capture_on_commit_callbacks,
):
    from motcua.celery import app

    settings.CATALOGUE_IMPORT_INLINE_BYTES = 100
    previous, pools = app.conf.task_always_eager, (app._pool, app.amqp._producer_pool)
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = upload(login(client, focal_a), GOOD_FILE)
        page = client.get(response["Location"]).content.decode()
    finally:
        app.conf.task_always_eager = previous
        app._pool, app.amqp._producer_pool = pools
    assert re.search(r'data-testid="created">2<', page) and 'name="token"' in page
    assert CatalogueImport.objects.get().status == "done"


# -- 2. the register's bounds ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_register_over_its_pdf_or_excel_limit_is_refused_with_a_way_out(
    client, desk_a, commune_a, birth_registration, monkeypatch,
):
    for day in (2, 3, 4):
        make_dossier(procedure=birth_registration, unit=commune_a, received_at=vn(2026, 3, day, 9), due_at=vn(2026, 3, 9, 9))
    monkeypatch.setattr(register, "PDF_LIMIT", 2)
    monkeypatch.setattr(register, "XLSX_LIMIT", 2)
    client = login(client, desk_a)
    period = {"from": "01/03/2026", "to": "14/03/2026"}
    for name in ("forms:register-pdf", "forms:register-xlsx"):
        response = client.get(reverse(name), period)
        page = response.content.decode()
        assert response.status_code == 400 and response["Content-Type"].startswith("text/html"), name
        message = re.search(r'data-testid="register-too-many"><p>(.*?)</p>', page, re.S).group(1)
        assert "3" in message and "2" in message and "thu hẹp" in message.lower(), message
    # The register page says it before a download is tried, and offers neither refused download.
    page = client.get(reverse("forms:register"), period).content.decode()
    assert 'data-testid="register-limits"' in page
    assert reverse("forms:register-pdf") not in page and reverse("forms:register-xlsx") not in page
    # Within the limits, both come out.
    assert client.get(reverse("forms:register-pdf"), {"from": "01/03/2026", "to": "02/03/2026"})["Content-Type"].startswith("application/pdf")


def test_the_register_limits_keep_a_download_within_a_few_seconds():
    # 300 lines of PDF took 5 s and 20,000 lines of Excel 13.6 s on the 2-core servers (issue 14: 2,000 took 46 s).
    assert register.PDF_LIMIT <= 200 and register.XLSX_LIMIT <= 5000


# -- 3. the report run's heartbeat ------------------------------------------------------------------------


def _run(unit, **fields) -> ReportRun:
    return ReportRun.objects.create(unit=unit, period_key="2023-Q1", first_day=vn(2022, 12, 15).date(),
                                    last_day=vn(2023, 3, 14).date(), format="json",
                                    parameters_hash=services.parameters_hash({}), **fields)


@pytest.mark.django_db(transaction=True)
def test_a_running_job_beats_its_heartbeat_while_it_works(commune_a, settings, monkeypatch, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.REPORT_HEARTBEAT_SECONDS = 0.2
    run = _run(commune_a)
    seen = []
    real_render = services._render

    def slow_render(*args, **kwargs):  # one long step (WeasyPrint's layout) with no progress in it
        first = ReportRun.objects.get(pk=run.pk).heartbeat_at
        time.sleep(1.0)
        seen.extend([first, ReportRun.objects.get(pk=run.pk).heartbeat_at])
        return real_render(*args, **kwargs)

    monkeypatch.setattr(services, "_render", slow_render)
    assert services.report_generate(run.pk).status == "done"
    assert seen[0] is not None and seen[1] - seen[0] >= timedelta(seconds=0.5)


@pytest.mark.django_db
def test_a_dead_workers_run_is_sent_again_once_then_failed_and_never_joined(commune_a, settings, monkeypatch):
    sent = []
    monkeypatch.setattr(tasks.generate_report, "delay", lambda run_id: sent.append(run_id))
    now = timezone.now()
    run = _run(commune_a, status="running", attempts=1, progress=5, started_at=now - timedelta(minutes=3),
               heartbeat_at=now - timedelta(seconds=60))
    assert services.report_requeue_waiting() == 0 and sent == []  # 60 s without a beat: not yet dead (90 s)

    ReportRun.objects.filter(pk=run.pk).update(heartbeat_at=now - timedelta(seconds=91))
    assert services.report_requeue_waiting() == 1 and sent == [run.pk]
    run.refresh_from_db()
    assert (run.status, run.sent_at is not None) == ("queued", True)

    # The second attempt's worker dies too: the run is failed with the reason, and the officer can ask again.
    ReportRun.objects.filter(pk=run.pk).update(status="running", attempts=2, heartbeat_at=now - timedelta(seconds=91))
    assert services.report_requeue_waiting() == 1 and sent == [run.pk]
    run.refresh_from_db()
    assert run.status == "failed" and "yêu cầu lại" in run.error.lower(), run.error
    again = services.report_request(unit=commune_a, period="2023-Q1", fmt="json")
    assert again.pk != run.pk and again.status == "queued"

    # A request for a dead run's job never joins it, whatever its attempts.
    ReportRun.objects.filter(pk=again.pk).update(status="running", attempts=1, started_at=now, heartbeat_at=now - timedelta(minutes=5))
    third = services.report_request(unit=commune_a, period="2023-Q1", fmt="json")
    assert third.pk not in (run.pk, again.pk)
    assert ReportRun.objects.get(pk=again.pk).status == "failed"


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_killed_workers_run_is_noticed_by_its_heartbeat_and_done_without_the_visibility_timeout(settings, tmp_path, trust):
    from tests.integration.test_worker_killed import PERIOD, build_district, files_under, kill_group, start_worker, wait_for
    from tests.workers import test_database_url

    if not os.environ.get("REDIS_URL"):
        pytest.fail("REDIS_URL is not set: run the suite through `make test`")
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.REPORT_HEARTBEAT_SECONDS, settings.REPORT_STALE_AFTER_SECONDS = 1, 3
    district = build_district()
    env = {  # Redis's visibility timeout stays at its hour: only the heartbeat can bring the run back
        **os.environ, "DATABASE_URL": test_database_url(), "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "CELERY_VISIBILITY_TIMEOUT": "3600", "REPORT_HEARTBEAT_SECONDS": "1", "REPORT_STALE_AFTER_SECONDS": "3",
    }
    started = time.monotonic()
    first = second = None
    second_output = ""
    try:
        first = start_worker("doomed-beat", env, tmp_path / "doomed.log")
        run = services.report_request(unit=district, period=PERIOD, fmt="pdf", by=None)

        def claimed():
            run.refresh_from_db()
            return run.status == RunStatus.RUNNING

        def rendering():  # the figures are built (60 %): WeasyPrint lays out the pages
            run.refresh_from_db()
            return run.status != RunStatus.RUNNING or run.progress >= 60

        wait_for(claimed, timeout=60, worker=first, what="the first worker's claim")
        wait_for(rendering, timeout=60, worker=first, what="the rendering")
        time.sleep(0.5)
        kill_group(first)
        run.refresh_from_db()
        assert (run.status, run.attempts) == (RunStatus.RUNNING, 1), "the job ended before the worker was killed"
        killed = time.monotonic()

        # The beat's round, every minute in production: here until the dead run is sent again.
        wait_for(lambda: services.report_requeue_waiting() > 0, timeout=20, what="the dead run to be noticed")
        noticed = time.monotonic() - killed
        run.refresh_from_db()
        assert run.status == RunStatus.QUEUED
        second = start_worker("survivor-beat", env, tmp_path / "survivor.log")

        def finished():
            run.refresh_from_db()
            return run.status in (RunStatus.DONE, RunStatus.FAILED)

        wait_for(finished, timeout=90, worker=second, what="the run sent again")
    finally:
        if first is not None and first.returncode is None:
            kill_group(first)
        if second is not None:
            second_output = kill_group(second)
    assert run.status == RunStatus.DONE and run.attempts == 2, (run.status, run.error, second_output)
    assert noticed < 10 and time.monotonic() - started < 180
    files = files_under(Path(settings.MEDIA_ROOT))
    assert len(files) == 1 and files[0].read_bytes().startswith(b"%PDF")
    trust("fault: report runs of a SIGKILLed worker noticed by their heartbeat and done", 1)


# -- 4. the request size limit ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_body_over_the_limit_is_refused_with_413_before_it_is_read(client, focal_a, settings):
    settings.REQUEST_MAX_BYTES = 1024 * 1024
    login(client, focal_a)
    # A 50 MB upload declared in its header: the 10 bytes actually sent are never read (the test client's
    # payload refuses a read past what it holds, so a read of the declared length would fail the request).
    response = client.generic("POST", reverse("procedures:procedure-import"), data=b"0123456789",
                              content_type="multipart/form-data; boundary=x", CONTENT_LENGTH=str(50 * 1024 * 1024))
    page = response.content.decode()
    assert response.status_code == 413
    assert "Tệp quá lớn" in page or "quá lớn" in page, page
    assert "1 MB" in page and "<script" not in page
    assert response["Content-Security-Policy"]
    assert CatalogueImport.objects.count() == 0
    # Within the limit the request goes on as before (here, a form without its file).
    assert client.post(reverse("procedures:procedure-import"), {}).status_code == 200
