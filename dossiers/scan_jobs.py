"""Many scanned pages for one component are checked and joined by a Celery job, so that the desk's page
stays responsive: more than ``settings.DOSSIER_SCAN_INLINE_PAGES`` files, or more than
``settings.DOSSIER_SCAN_INLINE_BYTES`` in all (fewer and smaller are done in the request, as before).

The pattern is the catalogue import's (procedures.import_jobs): the uploaded parts are kept in the
storage (under ``scan-jobs/``, never served) with a ``ScanJob`` row; the job is handed to the broker in
the transaction that marks it sent, claimed with a conditional UPDATE, and updates its progress page by
page. A refused page (not a PDF/JPEG/PNG, too large, unreadable) fails the whole job with its message
and nothing is stored; the parts are deleted when the job ends either way. Without a broker
(``CELERY_TASK_ALWAYS_EAGER``) the job runs in-process as soon as it is sent.
"""
from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from motcua.audit import audit_context
from motcua.jobs import job_claim, job_send
from motcua.models import JobStatus

from . import files as dossier_files
from .models import Dossier, DossierFile, ReceivedComponent, ScanJob

logger = logging.getLogger(__name__)

# A job "running" this long is a dead worker's: it may be claimed again (nothing is stored until the end,
# in one transaction, so doing it again is safe).
STALE_AFTER = timedelta(minutes=15)
PARTS_PREFIX = "scan-jobs"
# A job and the parts it kept are forgotten a day after it was started, done or not (its file, if it made
# one, is the dossier's: a DossierFile, never touched here).
KEEP_RECORDS = timedelta(days=1)


def scan_job_purge(*, now=None) -> int:
    """Delete the jobs started more than a day ago with the uploaded parts they still keep (a job whose
    broker was down and whose page nobody opened again). Asked at every new job, as the catalogue import
    purges its uploads."""
    old = ScanJob.objects.filter(created_at__lt=(now or timezone.now()) - KEEP_RECORDS).exclude(
        status=JobStatus.RUNNING, started_at__gte=(now or timezone.now()) - STALE_AFTER)
    for parts in old.values_list("parts", flat=True):
        _delete_parts(parts or [])
    deleted, _by_model = old.delete()
    return deleted


def needs_job(uploads) -> bool:
    """Whether these uploads are many or large enough to be joined by a job rather than in the request."""
    uploads = [upload for upload in uploads if upload]
    total = sum(getattr(upload, "size", 0) or 0 for upload in uploads)
    return len(uploads) > settings.DOSSIER_SCAN_INLINE_PAGES or total > settings.DOSSIER_SCAN_INLINE_BYTES


def scan_job_start(*, dossier: Dossier, component: ReceivedComponent, uploads, by,
                   replaces: DossierFile | None = None, reason: str = "") -> ScanJob:
    """Keep the uploaded parts and queue the job that checks and joins them (sent after commit)."""
    scan_job_purge()
    if component.dossier_id != dossier.pk:
        raise dossier_files.FileRefused(_("This component belongs to another dossier."))
    uploads = [upload for upload in uploads if upload]
    if not uploads:
        raise dossier_files.FileRefused(_("Choose a file to upload."))
    folder = f"{PARTS_PREFIX}/{uuid.uuid4().hex}"
    parts, size = [], 0
    try:
        for index, upload in enumerate(uploads):
            # Read no more than the limit plus one byte: a larger part is refused by the job's check.
            upload.seek(0)
            content = upload.read(settings.DOSSIER_FILE_MAX_BYTES + 1)
            name = default_storage.save(f"{folder}/{index:04d}", ContentFile(content))
            parts.append({"name": name, "original": (getattr(upload, "name", "") or "")[:255]})
            size += len(content)
        with transaction.atomic():
            job = ScanJob.objects.create(
                dossier=dossier, component=component, replaces=replaces, reason=reason,
                uploaded_by=by if getattr(by, "pk", None) else None, parts=parts, size=size,
                pages_total=len(parts), status=JobStatus.QUEUED,
            )
            job_id = job.pk
            transaction.on_commit(lambda: scan_job_send(job_id))
    except BaseException:
        _delete_parts(parts)
        raise
    return job


def scan_job_send(job_id: int) -> bool:
    """Hand a queued job to the workers, marking it sent in the same transaction: if the broker is down
    the job stays queued and unsent (its page sends it again)."""
    from .tasks import run_scan_job

    sendable = ScanJob.objects.filter(status=JobStatus.QUEUED, sent_at__isnull=True)
    return job_send(sendable, job_id, run_scan_job, what="Scan job")


def _claim(job_id: int) -> int | None:
    return job_claim(ScanJob, job_id, stale_after=STALE_AFTER, progress=1, pages_done=0)


def _delete_parts(parts) -> None:
    for part in parts:
        try:
            default_storage.delete(part["name"])
        except OSError:  # already gone: nothing to keep anyway
            logger.warning("scan job part %s could not be deleted", part["name"])


def scan_job_run(job_id: int) -> ScanJob | None:
    """The job: check each part by its content (progress page by page), join them into one PDF and store
    it on the component (or in place of the file it replaces), all or nothing. Messages are in the
    portal's language. Idempotent: a job already claimed or finished is left alone."""
    attempt = _claim(job_id)
    job = ScanJob.objects.select_related("dossier", "component", "replaces", "uploaded_by").filter(pk=job_id).first()
    if job is None or attempt is None:
        return job
    mine = ScanJob.objects.filter(pk=job_id, status=JobStatus.RUNNING, attempts=attempt)
    user = job.uploaded_by
    with translation.override(settings.LANGUAGE_CODE), audit_context(actor=user.pk if user else None):
        try:
            checked = []
            for index, part in enumerate(job.parts):
                with default_storage.open(part["name"], "rb") as stored:
                    upload = ContentFile(stored.read(), name=part["original"])
                checked.append((upload, *dossier_files.check(upload)))
                mine.update(pages_done=index + 1, progress=max(1, int(90 * (index + 1) / len(job.parts))))
            prepared = dossier_files.prepare_checked(checked)
            if job.replaces is not None:
                row = dossier_files.file_replace(dossier=job.dossier, dossier_file=job.replaces, prepared=prepared,
                                                 reason=job.reason, by=user)
            else:
                component = job.component
                row = dossier_files.component_update(dossier=job.dossier, component=component, form=component.form,
                                                     copies=component.copies, prepared=prepared, by=user)
        except dossier_files.FileRefused as error:
            mine.update(status=JobStatus.FAILED, error=str(error), finished_at=timezone.now(), parts=[])
        except Exception as exc:
            logger.exception("scan job %s failed", job_id)
            mine.update(status=JobStatus.FAILED, finished_at=timezone.now(), parts=[],
                        error=_("The pages could not be joined into one PDF (%(reason)s): nothing was kept.")
                        % {"reason": exc.__class__.__name__})
        else:
            mine.update(status=JobStatus.DONE, progress=100, result=row, finished_at=timezone.now(), parts=[])
    _delete_parts(job.parts)
    job.refresh_from_db()
    return job
