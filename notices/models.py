"""Messages to applicants: the wording of each (an administrator edits it) and the delivery log.

A ``MessageTemplate`` is the Vietnamese text of one kind of message on one channel (SMS or e-mail),
with placeholders such as ``{code}`` and ``{appointment}`` (``notices.wording``). A ``Message`` is one
message for one recorded step of a dossier (or feedback ticket) on one channel: what was sent to whom,
and how the sending went (queued, held for the night, sent, failed with the gateway's reason). There is
at most one per step and channel, so a step is never told twice.
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dossiers.models import Dossier, DossierEvent, FeedbackTicket, TicketEvent


class Kind(models.TextChoices):
    RECEIVED = "received", _("Dossier received")
    SUPPLEMENT = "supplement", _("Supplements requested")
    PAUSED = "paused", _("Dossier paused")
    RESUMED = "resumed", _("Dossier resumed")
    LATE = "late", _("Dossier late: apology and new appointment")
    RESULT_READY = "result_ready", _("Result ready")
    RETURNED_UNRESOLVED = "returned_unresolved", _("Returned without resolution")
    TICKET_ANSWERED = "ticket_answered", _("Feedback ticket answered")


class MessageChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    HELD = "held", _("Held until morning")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")

    @classmethod
    def waiting(cls) -> list[str]:
        """Not sent yet, and not given up on (a failed message may still have a next attempt)."""
        return [cls.QUEUED, cls.HELD, cls.SENDING, cls.FAILED]


class MessageTemplate(models.Model):
    """The wording of one kind of message on one channel; the defaults come with the migrations."""

    audited = True  # every change recorded by the audit trigger (motcua.audit)

    kind = models.CharField(_("message"), max_length=24, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=MessageChannel.choices)
    subject = models.CharField(_("subject"), max_length=200, blank=True, help_text=_("E-mail only."))
    text = models.TextField(
        _("text"),
        help_text=_("Placeholders in braces, e.g. {code}. An SMS must fit one message (160 characters without "
                    "diacritics) with realistic values."),
    )
    is_active = models.BooleanField(_("in use"), default=True, help_text=_("Untick to stop sending this message."))
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["kind", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "channel"], name="message_template_one_per_kind_channel"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_channel_display()})"

    def clean(self) -> None:
        from .wording import template_errors

        errors = template_errors(kind=self.kind, channel=self.channel, subject=self.subject, text=self.text)
        if errors:
            raise ValidationError(errors)


class Message(models.Model):
    """One message for one step on one channel, and how its sending went."""

    dossier = models.ForeignKey(Dossier, verbose_name=_("dossier"), null=True, blank=True, on_delete=models.CASCADE,
                                related_name="notices")
    ticket = models.ForeignKey(FeedbackTicket, verbose_name=_("feedback ticket"), null=True, blank=True,
                               on_delete=models.CASCADE, related_name="notices")
    dossier_event = models.ForeignKey(DossierEvent, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    ticket_event = models.ForeignKey(TicketEvent, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("message"), max_length=24, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=MessageChannel.choices)
    recipient = models.CharField(_("recipient"), max_length=254)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    text = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    reason = models.TextField(_("reason"), blank=True, help_text=_("Why the last attempt failed, in the gateway's words."))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    send_after = models.DateTimeField(_("held until"), null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True, editable=False)  # handed to the broker (the marker)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    retry_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]
        constraints = [
            # No step is told twice on one channel, whoever records or sends it twice.
            models.UniqueConstraint(fields=["dossier_event", "channel"], condition=Q(dossier_event__isnull=False),
                                    name="message_once_per_dossier_step"),
            models.UniqueConstraint(fields=["ticket_event", "channel"], condition=Q(ticket_event__isnull=False),
                                    name="message_once_per_ticket_step"),
            models.CheckConstraint(
                condition=Q(dossier__isnull=False, ticket__isnull=True) | Q(dossier__isnull=True, ticket__isnull=False),
                name="message_for_a_dossier_or_a_ticket",
            ),
        ]
        indexes = [
            # The sweep (every minute) reads the messages not yet sent: a handful among all those sent.
            models.Index(fields=["status", "created_at"], name="message_waiting_idx",
                         condition=Q(status__in=["queued", "held", "sending", "failed"])),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient}"
