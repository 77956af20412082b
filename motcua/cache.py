"""A Redis cache that lets the portal keep working while Redis is down.

Reads miss, writes are dropped and counters count nothing (so rate limits and login throttling
are not enforced until Redis is back); each failure is logged. Without this, a stopped Redis would
turn every page that touches the cache into a 500.
"""
from __future__ import annotations

import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger("motcua.cache")


def _down(operation: str, error: Exception) -> None:
    logger.warning("Redis unavailable during cache %s: %s", operation, error)


class ResilientRedisCache(RedisCache):
    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except RedisError as error:
            _down("get", error)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except RedisError as error:
            _down("get_many", error)
            return {}

    def add(self, key, value, timeout=None, version=None):
        try:
            return super().add(key, value, timeout, version)
        except RedisError as error:
            _down("add", error)
            return False

    def set(self, key, value, timeout=None, version=None):
        try:
            return super().set(key, value, timeout, version)
        except RedisError as error:
            _down("set", error)

    def touch(self, key, timeout=None, version=None):
        try:
            return super().touch(key, timeout, version)
        except RedisError as error:
            _down("touch", error)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except RedisError as error:
            _down("delete", error)
            return False

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except RedisError as error:
            _down("incr", error)
            raise ValueError("the counter is unavailable") from error

    def clear(self):
        try:
            return super().clear()
        except RedisError as error:
            _down("clear", error)
