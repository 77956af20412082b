"""What every background job shares (a catalogue import, a scan to join, a report run): handing a queued
job to the workers, and a worker claiming it.

A job row has a ``status`` (motcua.models.JobStatus, or the same values), ``sent_at``, ``started_at`` and
``attempts``. ``job_send`` marks the row sent and queues the Celery task in one transaction: if the broker
is down the transaction rolls back, the row stays queued and unsent, and whoever looks after it (its page,
the beat) sends it again. ``job_claim`` lets one worker take a queued job, or one whose worker stopped
answering (running and started before ``stale_after``), and says which attempt this is.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import JobStatus

logger = logging.getLogger(__name__)


def job_send(sendable: models.QuerySet, job_id: int, task, *, what: str) -> bool:
    """Mark the job ``job_id`` of ``sendable`` (the rows that may be sent now: queued, not yet sent …) sent
    and queue ``task(job_id)``, in one transaction. False when it may not be sent or the broker is down."""
    try:
        with transaction.atomic():
            if not sendable.filter(pk=job_id).update(sent_at=timezone.now()):
                return False
            task.delay(job_id)
    except Exception as error:  # kombu/redis raise several kinds when the broker is unreachable
        logger.warning("%s %s stays queued: the broker is unavailable (%s)", what, job_id, error)
        return False
    return True


def job_claim(model: type[models.Model], job_id: int, *, stale_after: timedelta, **fields) -> int | None:
    """Take the job for this worker (running from now, with ``fields`` set): its attempt number, or None
    when it is not queued and not a stale running one (another worker has it, or it is finished)."""
    now = timezone.now()
    claimable = Q(status=JobStatus.QUEUED) | Q(status=JobStatus.RUNNING, started_at__lt=now - stale_after)
    if not model._default_manager.filter(claimable, pk=job_id).update(
        status=JobStatus.RUNNING, started_at=now, attempts=F("attempts") + 1, **fields,
    ):
        return None
    return model._default_manager.filter(pk=job_id).values_list("attempts", flat=True).get()
