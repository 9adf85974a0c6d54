"""The Redis connection and the queues' names."""

from __future__ import annotations

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue

CRAWL_QUEUE = "nianbao-crawl"
EXTRACT_QUEUE = "nianbao-extract"
QUEUES = (CRAWL_QUEUE, EXTRACT_QUEUE)
KEY_PREFIX = "nianbao:"  # our own keys (leases, politeness clocks)


class QueueError(RuntimeError):
    """Redis cannot be reached, or the queue refuses a request (bad input for a command)."""


def connect(url: str) -> Redis:
    """A checked connection to the Redis server at ``url`` (``redis://host:port/db``)."""
    try:
        conn = Redis.from_url(url, socket_connect_timeout=5, health_check_interval=30)
        conn.ping()
    except (RedisError, ValueError) as exc:
        raise QueueError(f"cannot reach Redis at {url}: {exc}") from None
    return conn


def queue(conn: Redis, name: str) -> Queue:
    return Queue(name, connection=conn)
