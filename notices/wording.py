"""The wording of a message: placeholders, rendering, and fitting an SMS into one message (pure functions).

A template's text holds placeholders in braces (``{code}``); each kind of message offers its own
(``PLACEHOLDERS``). An SMS goes without diacritics when the gateway requires plain ASCII (setting
``SMS_ASCII``, on by default): one message is then 160 GSM characters (a few, such as ``{ } [ ]``,
count twice). A text longer than that is fitted by shortening the free text it quotes (what is missing,
a reason, an answer, a place), never the code or a date.
"""
from __future__ import annotations

import string

from django.utils.translation import gettext as _

from motcua.text import strip_diacritics

from .models import Kind, MessageChannel

SMS_LIMIT = 160  # GSM characters in one SMS
ELLIPSIS = "…"

COMMON = ("office", "code")
PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    Kind.RECEIVED: (*COMMON, "appointment"),
    Kind.SUPPLEMENT: (*COMMON, "missing", "place"),
    Kind.PAUSED: (*COMMON, "reason"),
    Kind.RESUMED: (*COMMON, "appointment"),
    Kind.LATE: (*COMMON, "new_date", "reason"),
    Kind.RESULT_READY: (*COMMON, "place"),
    Kind.RETURNED_UNRESOLVED: (*COMMON, "reason", "place"),
    Kind.TICKET_ANSWERED: (*COMMON, "answer"),
}
# The values that may be shortened to fit an SMS (what an officer typed, or a long name).
FREE_TEXT = ("missing", "reason", "answer", "place")

# Realistic values, long ones, to check that a template fits one SMS (and to preview it).
SAMPLE = {
    "office": "UBND phường Hoàng Văn Thụ",
    "code": "000.01.12.H23-260116-0001",
    "appointment": "16:30 21/01/2026",
    "new_date": "16:30 28/01/2026",
    "missing": "Bản sao Giấy chứng nhận kết hôn của cha mẹ",
    "reason": "Chờ kết quả xác minh của Công an xã",
    "place": "Trung tâm Phục vụ hành chính công phường Hoàng Văn Thụ",
    "answer": "Hồ sơ của Ông/Bà đã được giải quyết đúng hạn; kết quả đã gửi qua bưu điện.",
}

# GSM 03.38: characters of the extension table count twice.
GSM_EXTENSION = set("^{}\\[~]|€")
ASCII_PUNCTUATION = str.maketrans({
    "“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'", "`": "'",
    "–": "-", "—": "-", "−": "-", "•": "-", "→": "->", "\u00a0": " ", "…": "...",
})


class _Values(dict):
    def __missing__(self, key: str) -> str:
        return ""


def placeholders_in(text: str) -> list[str]:
    """The placeholders a text uses, in order; ValueError for braces that do not close."""
    return [name for _literal, name, _spec, _conversion in string.Formatter().parse(text) if name is not None]


def render(text: str, values: dict[str, str]) -> str:
    return text.format_map(_Values(values))


def sms_ascii(text: str) -> str:
    """The text as a gateway requiring plain ASCII takes it: no diacritics ('Đã nhận' → 'Da nhan'), plain
    quotes and dashes, on one line."""
    text = strip_diacritics(text).translate(ASCII_PUNCTUATION)
    text = text.encode("ascii", "ignore").decode("ascii")
    return " ".join(text.split())


def gsm_length(text: str) -> int:
    return len(text) + sum(1 for ch in text if ch in GSM_EXTENSION)


def sms_text(template: str, values: dict[str, str], *, ascii: bool, limit: int = SMS_LIMIT) -> str:
    """The SMS of ``template`` with ``values``: without diacritics if ``ascii``, on one line, and within
    ``limit`` characters, the free text it quotes shortened (with '…') when it is too long."""

    def build(values: dict[str, str]) -> str:
        text = render(template, values)
        return sms_ascii(text) if ascii else " ".join(text.split())

    values = {key: " ".join(str(value).split()) for key, value in values.items()}
    used = set(placeholders_in(template))
    text = build(values)
    for _round in range(20):
        excess = gsm_length(text) - limit
        if excess <= 0:
            return text
        longest = max((key for key in FREE_TEXT if key in used and len(values.get(key, "")) > 12),
                      key=lambda key: len(values[key]), default=None)
        if longest is None:
            break
        value = values[longest]
        keep = max(9, len(value) - excess - len(ELLIPSIS) - (2 if ascii else 0))
        values[longest] = value[:keep].rstrip(" ,.;:-") + ELLIPSIS
        text = build(values)
    while gsm_length(text) > limit:  # nothing left to shorten gracefully
        text = text[:-1]
    return text


def template_errors(*, kind: str, channel: str, subject: str, text: str) -> dict[str, list[str]]:
    """What is wrong with a template an administrator wrote (field → messages): unknown placeholders,
    braces that do not close, an SMS longer than one message with realistic values."""
    errors: dict[str, list[str]] = {}
    allowed = PLACEHOLDERS.get(kind, COMMON)
    for field, value in (("text", text), ("subject", subject)):
        try:
            names = placeholders_in(value)
        except ValueError:
            errors.setdefault(field, []).append(_("A brace is not closed: write placeholders as {code}."))
            continue
        unknown = sorted({name for name in names if name not in allowed})
        if unknown:
            errors.setdefault(field, []).append(
                _("Unknown placeholders: %(unknown)s. This message may use: %(allowed)s.") % {
                    "unknown": ", ".join("{%s}" % name for name in unknown),
                    "allowed": ", ".join("{%s}" % name for name in allowed),
                }
            )
    if channel == MessageChannel.SMS and "text" not in errors:
        length = gsm_length(sms_ascii(render(text, SAMPLE)))
        if length > SMS_LIMIT:
            errors.setdefault("text", []).append(
                _("With realistic values this SMS has %(length)s characters without diacritics; one SMS holds "
                  "%(limit)s.") % {"length": length, "limit": SMS_LIMIT}
            )
    if channel == MessageChannel.EMAIL and not subject.strip():
        errors.setdefault("subject", []).append(_("An e-mail needs a subject."))
    if not text.strip():
        errors.setdefault("text", []).append(_("Write the text of the message."))
    return errors


def mask(recipient: str) -> str:
    """A recipient as the delivery log shows it: '091****678', 'a***@gmail.com'."""
    recipient = recipient.strip()
    if "@" in recipient:
        name, _at, domain = recipient.partition("@")
        return f"{name[:1]}***@{domain}"
    if len(recipient) <= 6:
        return "*" * len(recipient)
    return f"{recipient[:3]}{'*' * (len(recipient) - 6)}{recipient[-3:]}"
