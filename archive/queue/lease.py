"""A lease per host group in Redis: one job of a group at a time, and the delay between two jobs.

RQ's rate limit (``RateLimit(key=group, concurrency=1)``) keeps a second job of a group off the
queue while one is queued or running; the lease holds even where the rate limit does not (a job
id enqueued again while it runs, a worker that died while its horse crawls on, an abandoned job
retried).  The holder renews the lease while its crawl runs (every third of its time to live);
a holder that dies loses it when it expires.  Releasing it records when the group's host may be
asked again (now + the crawl delay), and the next holder waits until then.

Times come from the Redis server's clock, so workers on different machines agree.
"""

from __future__ import annotations

import time
import uuid

from redis import Redis

from archive.queue.connection import KEY_PREFIX

# release: only the holder, and note when the host may be asked again
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    redis.call('DEL', KEYS[1])
    local t = redis.call('TIME')
    local now_ms = t[1] * 1000 + math.floor(t[2] / 1000)
    redis.call('SET', KEYS[2], now_ms + tonumber(ARGV[2]), 'PX', tonumber(ARGV[2]) + 60000)
    return 1
end
return 0
"""
# renew: only the holder
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
POLL_SECONDS = 0.2


class LeaseLost(RuntimeError):
    """The lease expired or was taken over while its holder still worked."""


class HostLease:
    """The lease of host group ``group`` (see the module docstring)."""

    def __init__(self, conn: Redis, group: str, *, delay: float, ttl: float = 30.0, holder: str = "") -> None:
        self.conn = conn
        self.group = group
        self.delay = max(0.0, delay)
        # the lease outlives its last renewal by at least two delays: a dead holder's last
        # request is that long ago when the next one takes over
        self.ttl = max(ttl, 3 * self.delay, 1.0)
        self.key = f"{KEY_PREFIX}lease:{group}"
        self.free_key = f"{KEY_PREFIX}free:{group}"
        self.token = f"{holder or 'holder'}:{uuid.uuid4().hex}"
        self._release = conn.register_script(_RELEASE)
        self._renew = conn.register_script(_RENEW)
        self.waited = 0.0

    @property
    def renew_every(self) -> float:
        return self.ttl / 3

    def _now_ms(self) -> int:
        seconds, micros = self.conn.time()
        return int(seconds) * 1000 + int(micros) // 1000

    def acquire(self, timeout: float | None = None) -> None:
        """Take the lease (waiting while another holds it), then wait out the group's delay."""
        started = time.monotonic()
        while not self.conn.set(self.key, self.token, nx=True, px=int(self.ttl * 1000)):
            if timeout is not None and time.monotonic() - started > timeout:
                raise TimeoutError(f"host group {self.group} stayed busy for {timeout:.0f} s")
            time.sleep(POLL_SECONDS)
        free_at = self.conn.get(self.free_key)
        if free_at is not None:
            wait = (int(free_at) - self._now_ms()) / 1000
            if wait > 0:
                time.sleep(wait)
        self.waited = time.monotonic() - started
        self.renew()

    def renew(self) -> None:
        """Extend the lease; :class:`LeaseLost` when it is no longer ours."""
        if not self._renew(keys=[self.key], args=[self.token, int(self.ttl * 1000)]):
            raise LeaseLost(f"the lease of host group {self.group} expired or was taken over")

    def release(self) -> bool:
        """Give the lease back (when still ours); the next holder waits ``delay`` from now."""
        return bool(self._release(keys=[self.key, self.free_key], args=[self.token, int(self.delay * 1000)]))

    def holder(self) -> str | None:
        value = self.conn.get(self.key)
        return value.decode() if isinstance(value, bytes) else value
