"""Thin Celery tasks over notices.services: they take ids (or nothing) and call a service.

``send_message`` runs after the step's transaction commits; a failure is recorded on the message (with
the gateway's reason and the moment of the next attempt), not raised, and the beat's sweep
``send_waiting_messages`` makes the next attempts, sends what was held for the night and what a
broker outage kept back.
"""
from __future__ import annotations

from celery import shared_task

from .services import message_send, messages_send_waiting


@shared_task(name="notices.send_message", acks_late=True, ignore_result=True)
def send_message(message_id: int) -> str:
    return message_send(message_id)


@shared_task(name="notices.send_waiting_messages", ignore_result=True)
def send_waiting_messages() -> int:
    """Every minute: held messages whose morning has come, lost or never-sent ones, due retries."""
    return messages_send_waiting()
