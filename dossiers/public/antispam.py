"""Spam protection for the public feedback form, without any outside service.

Three layers, each cheap for a citizen and costly for a robot:

- a honeypot: a text field hidden by CSS (``.hp`` in app.css) that a person never sees nor fills,
  while form-filling robots do;
- a signed form token (``motcua.tokens.TICKET_FORM``) issued with the page: a submission must come at
  least ``MIN_AGE`` seconds after the page was served (robots post at once) and at most ``MAX_AGE``
  later (no harvesting of tokens); a token that already created a ticket is refused, so a double
  click or a reload does not send the same feedback twice (the used tokens are kept in the database,
  ``motcua.throttling.claim_once``, so neither does a Redis outage refuse a fresh one);
- rate limits per client address (``dossiers.public.ratelimit``): ``SUBMISSIONS_PER_ADDRESS`` accepted
  tickets an hour, and a looser cap on every attempt.
"""
from __future__ import annotations

import hashlib
import secrets
import time

from dossiers.public.ratelimit import Rate
from motcua import tokens
from motcua.throttling import claim_once, was_claimed

MIN_AGE = 3  # seconds: a person needs longer than this to read and fill the form
MAX_AGE = 2 * 60 * 60  # seconds: a page left open longer gets a fresh token
HONEYPOT_FIELD = "homepage"
TOKEN_FIELD = "form_token"

# Five tickets an hour from one address; thirty attempts (valid or not) stop a robot hammering the form.
SUBMISSIONS_PER_ADDRESS = Rate("ticket-submit", 5, 60 * 60)
ATTEMPTS_PER_ADDRESS = Rate("ticket-attempt", 30, 60 * 60)

# Why a submission was refused (the view words the message).
HONEYPOT = "honeypot"
TOO_FAST = "too_fast"
EXPIRED = "expired"
INVALID = "invalid"
USED = "used"


class Suspicious(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def issue_token(*, at: float | None = None) -> str:
    """A signed token carrying the moment the form was served and a nonce."""
    issued = int(at if at is not None else time.time())
    return tokens.sign(tokens.TICKET_FORM, {"t": issued, "n": secrets.token_hex(8)})


def _used_key(token: str) -> str:
    return "antispam:used:" + hashlib.sha256(token.encode()).hexdigest()[:32]


def check(*, token: str, honeypot: str, now: float | None = None) -> None:
    """Raise ``Suspicious`` unless the honeypot is empty and the token is genuine, old enough and fresh."""
    if honeypot.strip():
        raise Suspicious(HONEYPOT)
    # No age limit on the signature: the age is judged below from the moment it carries (too fast, expired).
    payload = tokens.unsign(tokens.TICKET_FORM, token, max_age=None)
    try:
        issued = int(payload["t"])
    except (KeyError, TypeError, ValueError):  # None (forged, another kind) or not a form token's value
        raise Suspicious(INVALID) from None
    age = (now if now is not None else time.time()) - issued
    if age < MIN_AGE:
        raise Suspicious(TOO_FAST)
    if age > MAX_AGE:
        raise Suspicious(EXPIRED)
    if was_claimed(_used_key(token)):
        raise Suspicious(USED)


def claim(token: str) -> None:
    """Take the token for one ticket (atomic): a second use raises ``Suspicious(USED)``."""
    if not claim_once(_used_key(token), MAX_AGE + 60):
        raise Suspicious(USED)
