"""Fixed-window rate limits for the public pages.

A window opens at the first hit and lasts ``seconds``; ``motcua.throttling.window_hit`` counts it in the
shared cache (Redis: ``add`` creates the counter with its expiry, ``incr`` counts atomically) and, while Redis
does not answer, in the database, so a limit never switches off with Redis. The moment the window opened is
kept with it, so a refused request can say when to come back (Retry-After).
"""
from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from motcua.throttling import client_address  # noqa: F401 (re-exported for the public views)
from motcua.throttling import window_hit


@dataclass(frozen=True)
class Rate:
    scope: str
    limit: int
    seconds: int


# The public lookup: a citizen needs a few tries at most; guessing codes or digits needs thousands.
LOOKUP_PER_ADDRESS = Rate("lookup-address", 10, 60)
LOOKUP_PER_CODE = Rate("lookup-code", 30, 60 * 60)


def _key(rate: Rate, identity: str) -> str:
    digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
    return f"ratelimit:{rate.scope}:{digest}"


def hit(rate: Rate, identity: str) -> int | None:
    """Count one request; None while within the limit, else the seconds until the window ends."""
    now = time.time()
    count, opened = window_hit(_key(rate, identity), rate.seconds, now=now)
    if count <= rate.limit:
        return None
    return max(1, math.ceil(opened + rate.seconds - now))

# The feedback ticket's lookup: the same budget per address (LOOKUP_PER_ADDRESS) and its own per code.
TICKET_LOOKUP_PER_CODE = Rate("ticket-lookup-code", 30, 60 * 60)
