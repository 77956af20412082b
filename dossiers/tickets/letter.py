"""What the answer letter to a feedback ticket says (công văn trả lời phản ánh, kiến nghị): reads only.

The layout is the national one of Nghị định 30/2020 (as the dossier forms in ``dossiers.printing.documents``):
the People's Committee as issuing body with "Số: …/UBND-VP" and the subject line "V/v trả lời phản
ánh, kiến nghị của công dân" under it, the national motto with place and date, "Kính gửi", the body,
"Nơi nhận:" and the signature block. The text is Vietnamese whatever the interface says. The names of the
committee and of its desk are those of ``motcua.documents`` for the ticket's unit (the version it was
received at) and the letter's dates.
"""
from __future__ import annotations

from django.utils.text import Truncator

from motcua.documents import committee_name, desk_title, issuing_body, place_and_date
from motcua.models import AgencyKind

from dossiers.models import FeedbackTicket, TicketChannel, TicketStatus
from dossiers.printing.documents import local

SUBJECT = "V/v trả lời phản ánh, kiến nghị của công dân"
# The number is written in by the records office (văn thư) when the letter is issued: a blank that HTML keeps.
NUMBER = "\u00a0" * 10 + "/UBND-VP"
SUMMARY_WORDS = 120

CHANNEL_WORDS = {
    TicketChannel.WEBSITE: "qua Trang thông tin điện tử",
    TicketChannel.IN_PERSON: "trực tiếp tại {desk}",  # the unit's desk on the day the ticket came in
    TicketChannel.LETTER: "bằng đơn, thư",
    TicketChannel.PHONE: "qua điện thoại",
    TicketChannel.EMAIL: "qua thư điện tử",
}
# A letter answers what was answered: an answered, published, or closed-after-answer ticket.
LETTER_STATUSES = {TicketStatus.ANSWERED, TicketStatus.PUBLISHED, TicketStatus.CLOSED}


class LetterNotApplicable(LookupError):
    """The ticket has no answer to print (not answered yet, or closed or forwarded without one)."""


def answer_letter_context(ticket: FeedbackTicket) -> dict:
    if ticket.status not in LETTER_STATUSES or not ticket.answer.strip() or ticket.answered_at is None:
        raise LetterNotApplicable(ticket.code)
    unit = ticket.unit
    received = local(ticket.received_at)
    recipients = ["Như trên"]
    if ticket.agency is not None and ticket.agency.kind != AgencyKind.PEOPLES_COMMITTEE:
        recipients.append(ticket.agency.name)
    recipients.append("Lưu: VT")
    return {
        "ticket": ticket,
        "issuer_heading": issuing_body(unit),
        "number": NUMBER,
        "subject": SUBJECT,
        "place_and_date": place_and_date(unit, local(ticket.answered_at).date()),
        "issuer": committee_name(unit),
        "salutation": "Ông/Bà",
        "received_day": f"{received:%d/%m/%Y}",
        "channel_words": CHANNEL_WORDS.get(ticket.channel, "").format(desk=desk_title(unit, received.date())),
        "summary": Truncator(ticket.content).words(SUMMARY_WORDS, truncate=" …").rstrip(" .;,"),
        "procedure_name": ticket.procedure.name if ticket.procedure_id else "",
        "dossier_code": ticket.dossier.code if ticket.dossier_id else "",
        "answer_paragraphs": [line.strip() for line in ticket.answer.splitlines() if line.strip()],
        "recipients": recipients,
    }
