"""Report runs: one job per request, claimed once, failures recorded; the beat's drafts and reminders;
the export command (the very same job, synchronously)."""
from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from reports import services
from reports.models import ReportRun
from motcua.periods import parse_period
from reports.services import report_draft_quarter, report_generate, report_request, report_submit, submission_remind_missing
from tests.factories import birth_registration_make, make_dossier, vn

pytestmark = pytest.mark.django_db

Q1 = parse_period("2023-Q1")  # 15/12/2022 – 14/03/2023


def formatters_or_skip():
    try:
        from reports import formatters
    except ImportError as exc:
        pytest.skip(f"reports.formatters cannot be imported yet ({exc}); the Excel and PDF formatters are another part of the issue")
    return formatters


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def birth(db):
    """Birth registration without fee or papers, posted nowhere: the figures below are built by hand."""
    return birth_registration_make(name="Đăng ký khai sinh", fees=(), components=())


@pytest.fixture
def dossiers_a(commune_a, birth):
    """Commune A in 2023-Q1: two new (one online, resolved early), one carried over and still pending."""
    make_dossier(procedure=birth, unit=commune_a, received_at=vn(2023, 1, 9, 9), due_at=vn(2023, 1, 12, 9),
                 resolved_at=vn(2023, 1, 10, 9), outcome="early", status="returned", channel="online")
    make_dossier(procedure=birth, unit=commune_a, received_at=vn(2023, 2, 1, 9), due_at=vn(2023, 2, 6, 9))
    make_dossier(procedure=birth, unit=commune_a, received_at=vn(2022, 12, 1, 9), due_at=vn(2022, 12, 6, 9))


def files_under(root: Path) -> list[Path]:
    return [path for path in Path(root).rglob("*") if path.is_file()]


def test_a_requested_run_is_produced_once_and_a_done_run_is_left_alone(commune_a, leader_a, dossiers_a, media):
    run = report_request(unit=commune_a, period="2023-Q1", fmt="json", by=leader_a)
    assert (run.status, run.progress, run.attempts, run.period_key) == ("queued", 0, 0, "2023-Q1")
    assert (run.first_day, run.last_day) == (date(2022, 12, 15), date(2023, 3, 14))

    first = report_generate(run.pk)
    assert (first.status, first.progress, first.attempts) == ("done", 100, 1)
    content = first.file.read()
    assert first.checksum == hashlib.sha256(content).hexdigest() and first.size == len(content)
    assert json.loads(content)["totals"]["received"]["total"] == 3
    assert first.started_at <= first.finished_at

    second = report_generate(run.pk)  # a duplicate delivery of the task
    assert (second.status, second.attempts, second.file.name, second.checksum) == ("done", 1, first.file.name, first.checksum)
    assert len(files_under(media)) == 1
    assert first.download_name == "bao-cao-11089-2023-Q1.json"


def test_a_run_another_worker_holds_is_not_taken_until_its_claim_goes_stale(commune_a, dossiers_a, media):
    run = report_request(unit=commune_a, period=Q1, fmt="json", by=None)
    ReportRun.objects.filter(pk=run.pk).update(status="running", started_at=timezone.now() - timedelta(minutes=20),
                                               heartbeat_at=timezone.now() - timedelta(seconds=30), attempts=1)

    untouched = report_generate(run.pk)  # long at work, but its heartbeat beats: left alone
    assert (untouched.status, untouched.attempts, untouched.file.name) == ("running", 1, "")
    assert files_under(media) == []

    # The worker died: once its heartbeat is older than REPORT_STALE_AFTER_SECONDS (90 s) the run may be
    # claimed again, and one file comes out.
    ReportRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=91))
    retried = report_generate(run.pk)
    assert (retried.status, retried.attempts) == ("done", 2)
    assert len(files_under(media)) == 1


def test_an_attempt_overtaken_by_another_worker_keeps_no_file_of_its_own(commune_a, dossiers_a, media, monkeypatch):
    run = report_request(unit=commune_a, period=Q1, fmt="json", by=None)
    real_render = services._render

    def render_then_lose_the_claim(*args, **kwargs):
        content = real_render(*args, **kwargs)
        # Meanwhile another worker took the run over (our claim went stale) and finished it.
        ReportRun.objects.filter(pk=run.pk).update(status="done", attempts=2, file="reports/other.json", checksum="x" * 64)
        return content

    monkeypatch.setattr(services, "_render", render_then_lose_the_claim)
    result = report_generate(run.pk)
    assert (result.status, result.file.name, result.attempts) == ("done", "reports/other.json", 2)
    assert files_under(media) == []


def test_a_duplicate_request_attaches_to_the_active_run(commune_a, commune_b, leader_a):
    first = report_request(unit=commune_a, period="2023-Q1", fmt="xlsx", by=leader_a)
    again = report_request(unit=commune_a, period=parse_period("2023-q1"), fmt="xlsx", by=None)
    assert again.pk == first.pk
    # The narrative only matters to the PDF: a JSON or Excel request with one is the same job.
    assert report_request(unit=commune_a, period="2023-Q1", fmt="xlsx", by=leader_a,
                          parameters={"narrative": {"assessment": "Tốt"}}).pk == first.pk

    assert report_request(unit=commune_a, period="2023-Q1", fmt="json", by=leader_a).pk != first.pk
    assert report_request(unit=commune_b, period="2023-Q1", fmt="xlsx", by=leader_a).pk != first.pk
    assert report_request(unit=commune_a, period="2023-Q2", fmt="xlsx", by=leader_a).pk != first.pk

    pdf = report_request(unit=commune_a, period="2023-Q1", fmt="pdf", by=leader_a, parameters={"narrative": {"signer_name": "Nguyễn Văn Hùng"}})
    same_pdf = report_request(unit=commune_a, period="2023-Q1", fmt="pdf", by=leader_a,
                              parameters={"narrative": {"signer": " Nguyễn Văn Hùng ", "tasks": ""}})
    other_pdf = report_request(unit=commune_a, period="2023-Q1", fmt="pdf", by=leader_a, parameters={"narrative": {"signer_name": "Trần Thị Mai"}})
    assert same_pdf.pk == pdf.pk and other_pdf.pk != pdf.pk
    assert pdf.parameters == {"narrative": {"signer_name": "Nguyễn Văn Hùng"}}  # "signer" is read as the name

    # Once the run is finished, the same request makes a new run.
    ReportRun.objects.filter(pk=first.pk).update(status="done")
    assert report_request(unit=commune_a, period="2023-Q1", fmt="xlsx", by=leader_a).pk != first.pk
    assert ReportRun.objects.filter(unit=commune_a, period_key="2023-Q1", format="xlsx").count() == 2


def test_the_job_is_enqueued_only_after_the_transaction_commits(commune_a, django_capture_on_commit_callbacks, monkeypatch):
    from reports import tasks

    sent = []
    monkeypatch.setattr(tasks.generate_report, "delay", lambda run_id: sent.append(run_id))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = report_request(unit=commune_a, period="2023-Q1", fmt="json", by=None)
        report_request(unit=commune_a, period="2023-Q1", fmt="json", by=None)  # attaches: nothing more to send
    assert sent == [] and len(callbacks) == 1
    callbacks[0]()
    assert sent == [run.pk]


def test_a_failing_build_marks_the_run_failed_with_the_reason_and_retries_three_times_at_most(commune_a, monkeypatch, media):
    def broken(unit, period):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "build_report", broken)
    run = report_request(unit=commune_a, period="2023-Q1", fmt="json", by=None)
    for attempt in (1, 2):
        with pytest.raises(RuntimeError):  # raised again for Celery's retry while attempts remain
            report_generate(run.pk)
        run.refresh_from_db()
        assert (run.status, run.attempts) == ("failed", attempt)
        assert "the database went away" in run.error
    last = report_generate(run.pk)  # the third attempt fails for good, without raising
    assert (last.status, last.attempts, last.file.name) == ("failed", 3, "")
    assert report_generate(run.pk).attempts == 3  # nothing left to retry
    assert files_under(media) == []


def test_a_failed_run_is_not_retried_when_the_same_job_was_requested_again(commune_a, monkeypatch):
    monkeypatch.setattr(services, "build_report", lambda unit, period: 1 / 0)
    failed = report_request(unit=commune_a, period="2023-Q1", fmt="json", by=None)
    with pytest.raises(ZeroDivisionError):
        report_generate(failed.pk)
    fresh = report_request(unit=commune_a, period="2023-Q1", fmt="json", by=None)
    assert fresh.pk != failed.pk
    # Celery's retry of the failed run finds the job active again: the fresh run will do it.
    assert report_generate(failed.pk).status == "failed"
    assert ReportRun.objects.get(pk=fresh.pk).status == "queued"


def test_the_closed_quarter_is_drafted_on_the_15th_for_units_with_dossiers_or_units_below(
    province, district, commune_a, commune_b, birth, dossiers_a
):
    assert report_draft_quarter(today=date(2023, 3, 14)) == []
    assert report_draft_quarter(today=date(2023, 4, 15)) == []
    runs = report_draft_quarter(today=date(2023, 3, 15))
    drafted = sorted((run.unit.code, run.format, run.period_key) for run in runs)
    assert drafted == sorted(
        (code, fmt, "2023-Q1") for code in ("30", "298", "11089") for fmt in ("json", "xlsx")
    )  # commune B has no dossier and no unit below it
    assert all(run.requested_by is None and run.status == "queued" for run in runs)
    assert report_draft_quarter(today=date(2023, 3, 15)) == []  # beat running twice drafts nothing more
    assert report_draft_quarter(today=date(2022, 12, 15))[0].period_key == "2022-Q4"


def test_units_that_have_not_submitted_are_reminded_on_the_17th(district, commune_a, commune_b, leader_a, focal_b, mailoutbox):
    leader_a.email, focal_b.email = "lanhdao.ngocky@example.vn", "daumoi.tttk@example.vn"
    leader_a.save()
    focal_b.save()
    report_submit(unit=commune_a, period="2023-Q1", by=leader_a)

    assert submission_remind_missing(today=date(2023, 3, 16)) == []
    reminded = submission_remind_missing(today=date(2023, 3, 17))
    assert sorted(unit.code for unit in reminded) == ["11074", "298"]  # the district reports to the province
    assert [mail.to for mail in mailoutbox] == [["daumoi.tttk@example.vn"]]
    assert "2023-Q1" in mailoutbox[0].subject and "Thị trấn Tứ Kỳ" in mailoutbox[0].body


def test_the_export_command_writes_the_json_with_the_issue_key_names(commune_a, district, dossiers_a, tmp_path, capsys):
    output = tmp_path / "q1.json"
    call_command("export_report", "--unit", "298", "--period", "2023-Q1", "--format", "json", "--output", str(output))
    report = json.loads(output.read_text(encoding="utf-8"))
    assert report["unit"] == {"code": "298", "name": "Huyện Tứ Kỳ"}
    assert (report["period"]["start"], report["period"]["end"]) == ("2022-12-15", "2023-03-14")
    totals = report["totals"]
    assert {"received", "resolved", "pending", "digitized", "paid_online", "rates"} <= set(totals)
    assert totals["received"] == {"total": 3, "new": 2, "online": 1, "direct": 1, "postal": 0, "carried_over": 1}
    assert totals["resolved"]["early"] == 1 and totals["pending"]["total"] == 2
    assert totals["rates"]["online"] == 50.0
    assert [row["field_code"] for row in report["by_field"]] == ["HT"]
    assert {"field_name", "received", "resolved", "pending", "digitized", "paid_online", "rates"} <= set(report["by_field"][0])
    assert [row["unit_code"] for row in report["by_unit"]] == ["11089"]
    assert report["by_unit"][0]["unit_name"] == "Xã Ngọc Kỳ"
    out = capsys.readouterr().out
    assert str(output) in out and f"{output.stat().st_size}" in out.replace(".", "")


def test_the_export_command_gives_the_same_figures_as_a_run(commune_a, dossiers_a, tmp_path):
    output = tmp_path / "a.json"
    call_command("export_report", "--unit", "11089", "--period", "2023-Q1", "--format", "json", "--output", str(output))
    run = report_generate(report_request(unit=commune_a, period="2023-Q1", fmt="json", by=None).pk)
    from_command, from_run = json.loads(output.read_bytes()), json.loads(run.file.read())
    from_command.pop("generated_at"), from_run.pop("generated_at")
    assert from_command == from_run


def test_the_export_command_refuses_a_bad_period_or_an_unknown_unit(commune_a, tmp_path):
    output = tmp_path / "x.json"
    with pytest.raises(CommandError, match="2023-Q5"):
        call_command("export_report", "--unit", "11089", "--period", "2023-Q5", "--format", "json", "--output", str(output))
    with pytest.raises(CommandError, match="99999"):
        call_command("export_report", "--unit", "99999", "--period", "2023-Q1", "--format", "json", "--output", str(output))
    with pytest.raises(CommandError):
        call_command("export_report", "--unit", "11089", "--period", "2023-Q1", "--format", "docx", "--output", str(output))
    assert not output.exists()


def test_an_excel_run_and_a_pdf_export_come_out_readable(commune_a, dossiers_a, tmp_path):
    formatters = formatters_or_skip()
    from io import BytesIO

    import openpyxl
    from pypdf import PdfReader

    run = report_generate(report_request(unit=commune_a, period="2023-Q1", fmt="xlsx", by=None).pk)
    assert run.status == "done", run.error
    assert run.download_name == "bao-cao-11089-2023-Q1.xlsx"
    workbook = openpyxl.load_workbook(BytesIO(run.file.read()))
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for cell in row]
    assert "Hộ tịch" in cells and 3 in cells

    narrative = tmp_path / "narrative.json"
    narrative.write_text(json.dumps({"signer_name": "Nguyễn Văn Hùng", "number": "25", "assessment": "Xã đã hoàn thành tốt nhiệm vụ."},
                                    ensure_ascii=False), encoding="utf-8")
    output = tmp_path / "q1.pdf"
    call_command("export_report", "--unit", "11089", "--period", "2023-Q1", "--format", "pdf", "--output", str(output),
                 "--narrative-file", str(narrative))
    text = " ".join(page.extract_text() for page in PdfReader(output).pages)
    assert "Xã Ngọc Kỳ".upper() in text.upper()
    assert "Nguyễn Văn Hùng" in text and "Số: 25/BC-UBND" in text
    assert "Xã đã hoàn thành tốt nhiệm vụ." in text
    assert formatters.CONTENT_TYPES["pdf"] == "application/pdf"


def test_without_a_broker_the_task_runs_its_attempts_in_process_and_keeps_the_failure(commune_a, monkeypatch):
    from reports.tasks import generate_report

    monkeypatch.setattr(services, "build_report", lambda unit, period: 1 / 0)
    run = report_request(unit=commune_a, period="2023-Q1", fmt="json", by=None)
    assert generate_report.apply(args=[run.pk]).get() == "failed"  # no exception reaches the page
    run.refresh_from_db()
    assert (run.status, run.attempts) == ("failed", 3) and "ZeroDivisionError" in run.error
    assert generate_report.apply(args=[run.pk + 1000]).get() == "gone"


def test_the_beat_schedule_names_registered_tasks():
    from motcua.celery import app
    from reports.schedule import CELERY_BEAT_SCHEDULE

    app.loader.import_default_modules()
    for entry in CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks
