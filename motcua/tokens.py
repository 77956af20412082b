"""Signed tokens (``django.core.signing``): one salt per kind of token, the only place the portal signs.

A token carries a small value (a dossier code, a file's id, the moment a form was served) signed with
the ``SECRET_KEY`` and a salt of its own kind, so that a token issued for one use is refused for any
other. ``unsign`` answers None for a token that is forged, of another kind, or older than ``max_age``
seconds (``None``: no age limit; the caller then judges the age from the value itself).
"""
from __future__ import annotations

from typing import Any

from django.core import signing

# The kinds, each its own salt (the salts the tokens were issued with before this module: unchanged).
RATING_PASS = "dossiers.public.rating-pass"  # the lookup's pass to the online rating (dossiers.public.passes)
RESULT_FILE = "dossiers.public.result-file"  # a citizen's link to one result file (dossiers.public.files)
TICKET_FORM = "dossiers.tickets.form-token"  # the public feedback form's token (dossiers.public.antispam)
TICKET_SENT = "dossiers.tickets.sent"  # the redirect to a submitted ticket's confirmation (dossiers.tickets.views)
KINDS = frozenset({RATING_PASS, RESULT_FILE, TICKET_FORM, TICKET_SENT})


def _salt(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown kind of token: {kind!r}")
    return kind


def sign(kind: str, value: Any) -> str:
    """``value`` (anything JSON can hold) signed for ``kind``, stamped with the moment it was issued."""
    return signing.dumps(value, salt=_salt(kind), compress=False)


def unsign(kind: str, token: str, *, max_age: int | None) -> Any | None:
    """The value of a genuine token of ``kind`` not older than ``max_age`` seconds; None otherwise."""
    try:
        return signing.loads(token or "", salt=_salt(kind), max_age=max_age)
    except signing.BadSignature:  # SignatureExpired is one
        return None
