"""Throttles: which address a request comes from, and counters that keep counting whether Redis answers or not.

- ``client_address``: REMOTE_ADDR, or behind ``TRUSTED_PROXY_COUNT`` reverse proxies the X-Forwarded-For entry
  the outermost of them appended (``forwarded_client``). Entries further left are the client's to forge.
- The sign-in lockout: after LOGIN_FAILURE_LIMIT failures for one user name from one address, that pair is
  locked for LOGIN_LOCKOUT_SECONDS (each further failure restarts the wait). Its counters are always in the
  database (``ThrottleCounter``): a lock must hold through a Redis outage and after Redis comes back.
- ``window_hit``: a fixed-window counter for the public forms' rate limits (``dossiers.public.ratelimit``),
  in the shared cache (Redis), and in the database while Redis does not answer.
- ``claim_once`` / ``was_claimed``: one-time marks (the public feedback form's tokens), in the database.

``motcua.cache.ResilientRedisCache`` turns an unreachable Redis into misses and dropped writes, which would let
a counter count nothing: the counters here use the cache's own operations, which raise, and fall back.
"""
from __future__ import annotations

import hashlib
import logging
import random
import time

from django.conf import settings
from django.core.cache import caches
from django.core.signals import setting_changed
from django.db import connection
from django.dispatch import receiver
from redis.exceptions import RedisError

logger = logging.getLogger("motcua.throttling")

# After Redis failed once, counters skip it for this long (per process) instead of waiting on it each time.
REDIS_RETRY_AFTER = 10.0
_redis_down_until = 0.0


@receiver(setting_changed)
def _cache_changed(*, setting, **kwargs):
    """Another cache configured (tests): ask Redis again at once."""
    global _redis_down_until
    if setting == "CACHES":
        _redis_down_until = 0.0


# -- the client's address ---------------------------------------------------------------------------


def trusted_proxies() -> int:
    """How many reverse proxies of ours stand in front of the portal (``TRUSTED_PROXY_COUNT``).
    The older switch ``TRUST_X_FORWARDED_FOR`` alone still means one."""
    count = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if count <= 0 and getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        return 1
    return max(0, count)


def forwarded_client(remote_addr: str, forwarded_for: str, proxies: int) -> str:
    """The address ``proxies`` proxies vouch for: each appends the address it saw to X-Forwarded-For, so
    the entry ``proxies`` from the right is the one the outermost of ours appended. Without proxies, or
    with fewer entries than proxies (a proxy that did not append), REMOTE_ADDR."""
    if proxies <= 0:
        return remote_addr
    entries = [entry.strip() for entry in (forwarded_for or "").split(",")]
    if len(entries) < proxies:
        return remote_addr
    return entries[-proxies] or remote_addr


def client_address(request) -> str:
    return forwarded_client(
        request.META.get("REMOTE_ADDR", ""), request.META.get("HTTP_X_FORWARDED_FOR", ""), trusted_proxies()
    )


# -- counters in the database ------------------------------------------------------------------------


def _db_hit(key: str, seconds: int, *, now: float, extend: bool = False) -> tuple[int, float]:
    """Count one hit in the database, atomically; a row past its expiry starts again at 1. With ``extend``
    each hit pushes the expiry to ``now + seconds``. Returns (count, when the window opened)."""
    from .models import ThrottleCounter

    table = connection.ops.quote_name(ThrottleCounter._meta.db_table)
    q = connection.ops.quote_name
    key_, count, opened, expires = q("key"), q("count"), q("opened"), q("expires")
    sql = (
        f"INSERT INTO {table} ({key_}, {count}, {opened}, {expires}) VALUES (%s, 1, %s, %s) "
        f"ON CONFLICT ({key_}) DO UPDATE SET "
        f"{count} = CASE WHEN {table}.{expires} <= %s THEN 1 ELSE {table}.{count} + 1 END, "
        f"{opened} = CASE WHEN {table}.{expires} <= %s THEN excluded.{opened} ELSE {table}.{opened} END, "
        f"{expires} = CASE WHEN {table}.{expires} <= %s OR %s THEN excluded.{expires} ELSE {table}.{expires} END "
        f"RETURNING {count}, {opened}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [key, now, now + seconds, now, now, now, bool(extend)])
        hits, started = cursor.fetchone()
    if random.random() < 0.01:  # now and then, sweep what has expired
        ThrottleCounter.objects.filter(expires__lt=now - 60).delete()
    return int(hits), float(started)


def _db_count(key: str, *, now: float) -> int:
    from .models import ThrottleCounter

    return ThrottleCounter.objects.filter(key=key, expires__gt=now).values_list("count", flat=True).first() or 0


def _db_delete(key: str) -> None:
    from .models import ThrottleCounter

    ThrottleCounter.objects.filter(key=key).delete()


# -- counters in Redis, falling back to the database -------------------------------------------------


def _strict_cache():
    """The shared cache with its errors raised (see the module's docstring)."""
    from .cache import ResilientRedisCache

    backend = caches["default"]
    if isinstance(backend, ResilientRedisCache):
        return super(ResilientRedisCache, backend)
    return backend


def _cache_hit(key: str, seconds: int, now: float) -> tuple[int, float]:
    cache = _strict_cache()
    if cache.add(key, 0, seconds):
        cache.set(f"{key}:opened", now, seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # the window expired between add and incr: this hit opens a new one
        cache.set(key, 1, seconds)
        cache.set(f"{key}:opened", now, seconds)
        count = 1
    opened = now if count == 1 else cache.get(f"{key}:opened")
    return count, float(opened if opened is not None else now)


def window_hit(key: str, seconds: int, *, now: float | None = None) -> tuple[int, float]:
    """Count one hit in the fixed window ``key`` (opened by its first hit, ``seconds`` long): (hits so far,
    when it opened). In Redis; in the database while Redis does not answer, so the limit still holds."""
    global _redis_down_until
    now = time.time() if now is None else now
    if time.monotonic() >= _redis_down_until:
        try:
            return _cache_hit(key, seconds, now)
        except (RedisError, OSError) as error:
            _redis_down_until = time.monotonic() + REDIS_RETRY_AFTER
            logger.warning("Redis unavailable for rate limits, counting in the database: %s", error)
    return _db_hit(key, seconds, now=now)


def claim_once(key: str, seconds: int) -> bool:
    """Take the mark ``key`` for ``seconds``: True the first time, False while it is held (atomic)."""
    count, _opened = _db_hit(key, seconds, now=time.time())
    return count == 1


def was_claimed(key: str) -> bool:
    return _db_count(key, now=time.time()) > 0


# -- the sign-in lockout -----------------------------------------------------------------------------


def _key(username: str, address: str) -> str:
    digest = hashlib.sha256(f"{username.strip().lower()}|{address}".encode()).hexdigest()[:32]
    return f"login-failures:{digest}"


def is_locked(username: str, address: str) -> bool:
    return _db_count(_key(username, address), now=time.time()) >= settings.LOGIN_FAILURE_LIMIT


def record_failure(username: str, address: str) -> int:
    count, _opened = _db_hit(_key(username, address), settings.LOGIN_LOCKOUT_SECONDS, now=time.time(), extend=True)
    return count


def clear_failures(username: str, address: str) -> None:
    _db_delete(_key(username, address))
