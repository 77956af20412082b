"""Fixed-window rate limits with counters in the shared cache (Redis in production and in tests).

A window opens at the first hit and lasts ``seconds``: ``cache.add`` creates the counter with its
expiry, ``cache.incr`` (atomic in Redis, and it keeps the expiry) counts. A second key remembers
when the window opened, so a refused request can say when to come back (Retry-After).
"""
from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.core.cache import cache

from motcua.throttling import client_address  # noqa: F401 (re-exported for the public views)


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
    key = _key(rate, identity)
    now = time.time()
    if cache.add(key, 0, rate.seconds):
        cache.set(f"{key}:opened", now, rate.seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # the window expired between add and incr: this hit opens a new one
        cache.set(key, 1, rate.seconds)
        cache.set(f"{key}:opened", now, rate.seconds)
        count = 1
    if count <= rate.limit:
        return None
    opened = cache.get(f"{key}:opened") or now
    return max(1, math.ceil(opened + rate.seconds - now))
