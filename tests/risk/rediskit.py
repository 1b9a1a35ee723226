"""Redis for the risk tests: reachable or not, and a throwaway key namespace per test.

Mirrors how `tests/conftest.py` treats PostgreSQL: under CI=true an unreachable Redis fails
the test; elsewhere the test skips with a one-line reason.
"""

from __future__ import annotations

import functools
import os
import uuid

import pytest
import redis

from anxin.risk.velocity_redis import RedisVelocityStore

REDIS_URL = os.environ.get("ANXIN_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@functools.cache
def redis_unavailable() -> str | None:
    """Why Redis cannot be used, or None when it can (checked once per run)."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        return f"Redis not reachable at {REDIS_URL}: {exc}".splitlines()[0]
    finally:
        client.close()
    return None


def require_redis() -> None:
    if reason := redis_unavailable():
        if IN_CI:
            pytest.fail(f"CI=true requires Redis: {reason}", pytrace=False)
        pytest.skip(reason)


def fresh_store() -> RedisVelocityStore:
    """A store under a prefix no other test uses; `clear()` it when done."""
    require_redis()
    return RedisVelocityStore.from_url(REDIS_URL, prefix=f"anxin-test:{uuid.uuid4().hex}:")
