"""Telling applicants: the messages a step makes, and sending them.

``messages_for_step`` is connected to ``dossiers.steps.step_recorded``: in the step's own transaction
it writes one ``Message`` per channel the applicant gave (SMS to the phone, e-mail to the address),
from the administrator's templates, and once the transaction commits hands each to a Celery task
(``notices.tasks.send_message``). Nothing is written for an applicant who opted out at intake (no
row at all: they asked not to be contacted), nor for a step that tells nothing (a transfer, a start).

Nothing is sent between 21:00 and 07:00 Vietnam time (``NOTICE_QUIET_HOURS``): the message of a step
taken then is held until the morning, and so is one whose sending comes then. The beat's sweep
(``messages_send_waiting``, every minute) sends the held messages whose time has come, the queued ones
whose task never reached a worker (the broker was down) or was lost, and the failed ones whose next
attempt is due (back-off: 1, 2, 4 … 60 minutes, for ``GIVE_UP_AFTER``: three days). Sending claims the row with one conditional UPDATE
(the status is the marker), so a task run twice, or a task and the sweep together, send it once.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from dossiers.models import Dossier, DossierEvent, FeedbackTicket, Pause, PauseKind, TicketEvent
from dossiers.selectors import sms_phone
from motcua.documents import committee_short, desk_title
from motcua.periods import VN_TZ, local_day
from motcua.sms import REASON_CHARS, get_sms_backend
from motcua.text import vn_moment

from .models import Kind, Message, MessageChannel, MessageStatus, MessageTemplate
from .wording import render, sms_text

logger = logging.getLogger(__name__)

RETRY_FIRST = timedelta(minutes=1)
RETRY_LONGEST = timedelta(minutes=60)
# A message the gateway keeps refusing is tried for three days (about 75 attempts), then left failed.
GIVE_UP_AFTER = timedelta(days=3)
# A sweep that meets this many failures in a row stops its round: the gateway is down, each attempt may
# wait for its timeout, and the next round (a minute later) tries again.
FAILURES_PER_ROUND = 3
# A queued message whose task has not run this long after it was handed to the broker is taken as
# lost (Redis restarted empty), and one "sending" this long as a dead worker's: the sweep sends them.
LOST_AFTER = timedelta(minutes=5)

# The dossier's steps that tell the applicant (a pause is a request for supplements or another pause).
DOSSIER_KINDS = {
    "receive": Kind.RECEIVED,
    "pause": Kind.PAUSED,
    "resume": Kind.RESUMED,
    "apologise": Kind.LATE,
    "resolve": Kind.RESULT_READY,
    "return_unresolved": Kind.RETURNED_UNRESOLVED,
}
TICKET_KINDS = {"answer": Kind.TICKET_ANSWERED}


# -- the night ------------------------------------------------------------------------------------


def quiet_until(moment: datetime) -> datetime | None:
    """The end of the quiet hours ``moment`` falls in (07:00 Vietnam time), or None in the day."""
    hours = getattr(settings, "NOTICE_QUIET_HOURS", None)
    if not hours:
        return None
    start, end = hours
    local = timezone.localtime(moment, VN_TZ)
    clock = local.time().replace(tzinfo=None)
    if start > end:  # across midnight: 21:00-07:00
        if clock >= start:
            return local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0) + timedelta(days=1)
        if clock < end:
            return local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
        return None
    if start <= clock < end:
        return local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    return None


def retry_delay(attempts: int) -> timedelta:
    """After the ``attempts``-th failed attempt: 1, 2, 4, 8 … minutes, at most an hour."""
    return min(RETRY_FIRST * 2 ** max(attempts - 1, 0), RETRY_LONGEST)


# -- making the messages of a step ----------------------------------------------------------------


def dossier_kind(event: DossierEvent) -> str | None:
    kind = DOSSIER_KINDS.get(event.action)
    if kind == Kind.PAUSED:
        open_kind = Pause.objects.filter(dossier_id=event.dossier_id, ended_at__isnull=True).values_list("kind", flat=True).first()
        if open_kind == PauseKind.SUPPLEMENT:
            return Kind.SUPPLEMENT
    return kind


def dossier_values(dossier: Dossier, kind: str, event: DossierEvent) -> dict[str, str]:
    """The placeholders' values for a step of the dossier (notices.wording.PLACEHOLDERS)."""
    unit = dossier.receiving_unit
    values = {"office": committee_short(unit), "code": dossier.code, "appointment": vn_moment(dossier.due_at),
              "missing": event.note, "reason": event.note}
    if kind in (Kind.SUPPLEMENT, Kind.RESULT_READY, Kind.RETURNED_UNRESOLVED):
        values["place"] = desk_title(unit, local_day(event.at))
    if kind == Kind.LATE:
        apology = dossier.apology  # the one just issued: the latest, with the appointment the citizen holds now
        if apology is not None:
            values["new_date"], values["reason"] = vn_moment(apology.new_due_at), apology.reason
    return values


def messages_for_step(sender=None, *, event, **kwargs) -> list[Message]:
    """The messages a recorded step makes (``dossiers.steps.step_recorded``), sent after commit."""
    if isinstance(event, DossierEvent):
        kind = dossier_kind(event)
        dossier = event.dossier
        if kind is None or dossier.notify_opt_out:
            return []
        recipients = {MessageChannel.SMS: sms_phone(dossier.applicant_phone) or "",
                      MessageChannel.EMAIL: dossier.applicant_email.strip()}
        if not any(recipients.values()):
            return []
        return _make(kind, recipients, lambda: dossier_values(dossier, kind, event), at=event.at,
                     dossier=dossier, dossier_event=event)
    if isinstance(event, TicketEvent):
        kind = TICKET_KINDS.get(event.action)
        if kind is None:
            return []
        ticket = event.ticket
        return _make(kind, ticket_recipients(ticket), lambda: ticket_values(ticket), at=event.at,
                     ticket=ticket, ticket_event=event)
    return []


def ticket_recipients(ticket: FeedbackTicket) -> dict[str, str]:
    """The sender's contact is a phone or an e-mail address (one field): the channel it allows."""
    contact = ticket.sender_contact.strip()
    if "@" in contact:
        return {MessageChannel.EMAIL: contact}
    phone = sms_phone(contact)
    return {MessageChannel.SMS: phone} if phone else {}


def ticket_values(ticket: FeedbackTicket) -> dict[str, str]:
    return {"office": committee_short(ticket.unit), "code": ticket.code, "answer": ticket.answer}


def _make(kind: str, recipients: dict[str, str], values, *, at: datetime, **link) -> list[Message]:
    recipients = {channel: address for channel, address in recipients.items() if address}
    if not recipients:
        return []
    templates = list(MessageTemplate.objects.filter(kind=kind, channel__in=list(recipients), is_active=True))
    if not templates:
        return []
    values = values()
    # A step taken at night is told in the morning; one recorded at night for the day before is held by
    # the sender (``message_send``), which looks at the clock when it sends.
    held_until = quiet_until(at)
    status = MessageStatus.HELD if held_until else MessageStatus.QUEUED
    ascii_sms = getattr(settings, "SMS_ASCII", True)
    made = []
    event_field = "dossier_event" if "dossier_event" in link else "ticket_event"
    for template in templates:
        if template.channel == MessageChannel.SMS:
            subject, text = "", sms_text(template.text, values, ascii=ascii_sms)
        else:
            subject, text = " ".join(render(template.subject, values).split()), render(template.text, values).strip()
        message, created = Message.objects.get_or_create(
            **{event_field: link[event_field]}, channel=template.channel,
            defaults={**link, "kind": kind, "recipient": recipients[template.channel], "subject": subject[:200],
                      "text": text, "status": status, "send_after": held_until},
        )
        if created:
            made.append(message)
    queued = [message.pk for message in made if message.status == MessageStatus.QUEUED]
    if queued:
        transaction.on_commit(lambda: _enqueue_all(queued), robust=True)
    return made


def _enqueue_all(message_ids: list[int]) -> int:
    """Hand the messages of a step to the workers; a broker found down once is not asked again for the
    others (each attempt may take a second): the sweep sends them."""
    handed = 0
    for message_id in message_ids:
        if not _enqueue(message_id):
            break
        handed += 1
    return handed


def _enqueue(message_id: int) -> bool:
    """Hand a queued message to the workers and mark it handed in one transaction: if the broker is down
    the transaction rolls back, the message stays queued and unmarked, and the sweep sends it. Returns
    False when the broker could not be reached."""
    from .tasks import send_message

    try:
        with transaction.atomic():
            if not Message.objects.filter(pk=message_id, status=MessageStatus.QUEUED, enqueued_at__isnull=True).update(
                enqueued_at=timezone.now()
            ):
                return True  # handed already, or no longer queued: nothing to do
            send_message.delay(message_id)
    except Exception as error:  # kombu/redis raise several kinds when the broker is unreachable
        logger.warning("Message %s stays queued: the broker is unavailable (%s)", message_id, error)
        return False
    return True


# -- sending ------------------------------------------------------------------------------------


def _sendable(now: datetime) -> Q:
    return (
        Q(status=MessageStatus.QUEUED)
        | Q(status=MessageStatus.HELD, send_after__lte=now)
        | Q(status=MessageStatus.FAILED, retry_at__lte=now)
        | Q(status=MessageStatus.SENDING, last_attempt_at__lt=now - LOST_AFTER)
    )


def deliver(message: Message) -> None:
    """Through the SMS gateway or Django's mail backend; raises with the reason when it is refused."""
    if message.channel == MessageChannel.SMS:
        get_sms_backend().send(message.recipient, message.text)
    else:
        EmailMessage(message.subject, message.text, settings.DEFAULT_FROM_EMAIL, [message.recipient]).send(
            fail_silently=False
        )


def message_send(message_id: int, *, now: datetime | None = None) -> str:
    """Send one message if it may be sent at ``now``; returns its status. At night a message is held until
    the morning; a failure is recorded with the gateway's reason and a next attempt, while attempts remain."""
    now = now or timezone.now()
    held_until = quiet_until(now)
    if held_until is not None:
        Message.objects.filter(Q(status=MessageStatus.QUEUED) | Q(status=MessageStatus.FAILED, retry_at__isnull=False),
                               pk=message_id).update(status=MessageStatus.HELD, send_after=held_until)
        return _status(message_id)
    claimed = Message.objects.filter(_sendable(now), pk=message_id).update(
        status=MessageStatus.SENDING, attempts=F("attempts") + 1, last_attempt_at=now,
    )
    if not claimed:
        return _status(message_id)
    message = Message.objects.get(pk=message_id)
    try:
        deliver(message)
    except Exception as error:  # whatever the gateway or the mail server says: recorded, tried again later
        reason = (str(error) or error.__class__.__name__)[:REASON_CHARS]
        retry_at = now + retry_delay(message.attempts)
        if retry_at > message.created_at + GIVE_UP_AFTER:
            retry_at = None  # given up: the log keeps the reason
        Message.objects.filter(pk=message_id).update(status=MessageStatus.FAILED, reason=reason, retry_at=retry_at)
        logger.warning("message %s (%s) failed, attempt %s: %s", message_id, message.channel, message.attempts, reason)
        return MessageStatus.FAILED
    Message.objects.filter(pk=message_id).update(status=MessageStatus.SENT, sent_at=timezone.now(), retry_at=None)
    return MessageStatus.SENT


def _status(message_id: int) -> str:
    return Message.objects.filter(pk=message_id).values_list("status", flat=True).first() or "gone"


def messages_waiting(now: datetime):
    """What the sweep sends at ``now``: held ones whose morning has come, queued ones never handed to the
    broker or lost there, failed ones whose next attempt is due, and a dead worker's."""
    lost = now - LOST_AFTER
    return Message.objects.filter(
        Q(status=MessageStatus.HELD, send_after__lte=now)
        | Q(status=MessageStatus.QUEUED, created_at__lt=lost) & (Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=lost))
        | Q(status=MessageStatus.FAILED, retry_at__lte=now)
        | Q(status=MessageStatus.SENDING, last_attempt_at__lt=lost)
    ).order_by("created_at", "id")


def messages_send_waiting(*, now: datetime | None = None, limit: int = 300) -> int:
    """The beat's sweep (every minute): send what is waiting (``messages_waiting``), oldest first, up to
    ``limit`` a round; nothing at night. Returns how many were sent."""
    now = now or timezone.now()
    if quiet_until(now) is not None:
        return 0
    sent = failures = 0
    for pk in messages_waiting(now).values_list("pk", flat=True)[:limit]:
        status = message_send(pk, now=now)
        sent += status == MessageStatus.SENT
        failures = failures + 1 if status == MessageStatus.FAILED else 0
        if failures >= FAILURES_PER_ROUND:
            logger.warning("message sweep stopped after %s failures in a row; the next round tries again", failures)
            break
    return sent
