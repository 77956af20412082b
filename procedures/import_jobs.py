"""The import screen's jobs: a catalogue file is kept as a ``CatalogueImport``, checked (a dry run of
``procedures_import``), and, once confirmed, written — each step by a Celery job when the file is large
(a 20,000-row check takes longer than the web server's 30 s timeout), in the request when it is small
enough to stay bounded (``settings.CATALOGUE_IMPORT_INLINE_BYTES``).

Each step is claimed with a conditional UPDATE (``status='queued'``), and handed to the broker in the
transaction that marks it sent (the status is the marker). Without a broker (development,
``CELERY_TASK_ALWAYS_EAGER``) the job runs in-process as soon as it is sent, and the page shows its
result at once.
"""
from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from io import BytesIO

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from motcua.jobs import job_claim, job_send
from motcua.models import AdministrativeUnit
from motcua.tabular import TabularError

from .importing import ImportReport, PreviewRow, procedures_import
from .models import CatalogueImport, ImportStage, ImportStatus

logger = logging.getLogger(__name__)

# A checked file may be confirmed within this time; uploads older than KEEP_RECORDS are deleted.
KEEP_SECONDS = 30 * 60
KEEP_RECORDS = timedelta(days=1)
# A step "running" this long is a dead worker's (the task's hard limit is below it): it may be claimed
# again; a check changes nothing and a write is one transaction, so doing either again is safe.
STALE_AFTER = timedelta(minutes=30)


def _inline(size: int) -> bool:
    return size <= getattr(settings, "CATALOGUE_IMPORT_INLINE_BYTES", 64 * 1024)


def catalogue_import_purge(*, now=None) -> int:
    """Delete the uploads of more than a day ago (their files with them)."""
    deleted, _by_model = CatalogueImport.objects.filter(created_at__lt=(now or timezone.now()) - KEEP_RECORDS).delete()
    return deleted


def catalogue_import_start(*, user, unit: AdministrativeUnit | None, filename: str, data: bytes) -> CatalogueImport:
    """Keep an uploaded file and check it: in the request when it is small, else by a job sent after commit."""
    catalogue_import_purge()
    job = CatalogueImport.objects.create(
        token=secrets.token_urlsafe(24), user=user, unit=unit, filename=filename[:255], data=data, size=len(data),
        stage=ImportStage.CHECK, status=ImportStatus.QUEUED,
    )
    _run_or_send(job)
    job.refresh_from_db()
    return job


def catalogue_import_confirm(*, job: CatalogueImport) -> CatalogueImport | None:
    """Write a checked file: one conditional UPDATE turns its clean, recent check into a queued write (a
    token confirms once), then the write runs in the request (small file) or by a job sent after commit.
    None when the check cannot be confirmed (not clean, not finished, too old, or already confirmed)."""
    confirmable = CatalogueImport.objects.filter(
        pk=job.pk, stage=ImportStage.CHECK, status=ImportStatus.DONE,
        created_at__gte=timezone.now() - timedelta(seconds=KEEP_SECONDS),
    )
    if not report_of(job).ok or not confirmable.update(
        stage=ImportStage.WRITE, status=ImportStatus.QUEUED, progress=0, sent_at=None, started_at=None,
        finished_at=None, error="",
    ):
        return None
    job.refresh_from_db()
    _run_or_send(job)
    job.refresh_from_db()
    return job


def _run_or_send(job: CatalogueImport) -> None:
    if _inline(job.size):
        catalogue_import_run(job.pk)
    else:
        job_id = job.pk
        transaction.on_commit(lambda: catalogue_import_send(job_id))


def catalogue_import_send(job_id: int) -> bool:
    """Hand a queued step to the workers, marking it sent in the same transaction: if the broker is down
    the transaction rolls back and the step stays queued and unsent (its page sends it again)."""
    from .tasks import run_catalogue_import

    sendable = CatalogueImport.objects.filter(status=ImportStatus.QUEUED, sent_at__isnull=True)
    return job_send(sendable, job_id, run_catalogue_import, what="Catalogue import")


def _claim(job_id: int) -> int | None:
    return job_claim(CatalogueImport, job_id, stale_after=STALE_AFTER, progress=10)


def catalogue_import_run(job_id: int) -> CatalogueImport | None:
    """The job: claim the step, run ``procedures_import`` (a dry run for the check, the real one for the
    write, asking the uploader's permissions either way) and keep its report. A file that cannot be read
    is a finished step with its message; an unexpected error fails the step with its reason. Idempotent:
    a step already claimed or finished is left alone. None when the upload no longer exists."""
    attempt = _claim(job_id)
    job = CatalogueImport.objects.select_related("user", "unit").filter(pk=job_id).first()
    if job is None or attempt is None:
        return job
    mine = CatalogueImport.objects.filter(pk=job_id, status=ImportStatus.RUNNING, attempts=attempt)
    writing = job.stage == ImportStage.WRITE
    try:
        report = procedures_import(
            source=BytesIO(bytes(job.data)), filename=job.filename, unit=job.unit, user=job.user, dry_run=not writing,
        )
        outcome = report_as_json(report)
    except TabularError as error:
        outcome = {"file_error": str(error)}
    except Exception as exc:
        reason = f"{exc.__class__.__name__}: {exc}"[:2000]
        logger.exception("catalogue import %s failed", job_id)
        mine.update(status=ImportStatus.FAILED, error=reason, finished_at=timezone.now())
        job.refresh_from_db()
        return job
    done = {"status": ImportStatus.DONE, "progress": 100, "report": outcome, "finished_at": timezone.now()}
    if writing:
        done["data"] = b""  # written (or refused as a whole): the file is no longer needed
    mine.update(**done)
    job.refresh_from_db()
    return job


# -- the report kept on the job ---------------------------------------------------------------------


def report_as_json(report: ImportReport) -> dict:
    return {
        "dry_run": report.dry_run,
        "rows": [[row.line, row.code, row.name, row.action] for row in report.rows],
        "errors": list(report.errors),
    }


def report_of(job: CatalogueImport) -> ImportReport:
    """The step's report as ``procedures_import`` gave it (the preview's template reads it)."""
    saved = job.report or {}
    return ImportReport(
        dry_run=saved.get("dry_run", job.stage == ImportStage.CHECK),
        rows=[PreviewRow(line=line, code=code, name=name, action=action) for line, code, name, action in saved.get("rows", [])],
        errors=list(saved.get("errors", [])) + ([saved["file_error"]] if saved.get("file_error") else []),
    )


def file_error_of(job: CatalogueImport) -> str:
    """The message when the file as a whole could not be read (not a table, no header), else ''."""
    return (job.report or {}).get("file_error", "")


def confirmable_until(job: CatalogueImport):
    return job.created_at + timedelta(seconds=KEEP_SECONDS)
