"""``nianbao queue status``: the crawl jobs per host group (queued, waiting, running, failed, done)."""

from __future__ import annotations

from dataclasses import dataclass, field

from redis import Redis
from rq import Worker
from rq.job import Job
from rq.rate_limit import RateLimitRegistry
from rq.registry import FailedJobRegistry, FinishedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

from archive.queue.connection import CRAWL_QUEUE, EXTRACT_QUEUE, queue

STATES = ("queued", "waiting", "running", "failed", "finished")


@dataclass
class GroupStatus:
    """The crawl jobs of one host group by state."""

    group: str
    hosts: list[str]
    portals: list[str]
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATES, 0))
    error: str | None = None  # the last failure's last line


@dataclass
class QueueStatus:
    groups: list[GroupStatus]
    extraction: dict[str, int]
    workers: int


def _job_ids(conn: Redis) -> dict[str, list[str]]:
    q = queue(conn, CRAWL_QUEUE)
    waiting: list[str] = []
    for registry in RateLimitRegistry.all(conn):
        waiting += registry.get_rate_limited_job_ids()
    return {
        "queued": q.get_job_ids(),
        "waiting": waiting + ScheduledJobRegistry(queue=q).get_job_ids(),
        "running": StartedJobRegistry(queue=q).get_job_ids(),
        "failed": FailedJobRegistry(queue=q).get_job_ids(),
        "finished": FinishedJobRegistry(queue=q).get_job_ids(),
    }


def queue_status(conn: Redis) -> QueueStatus:
    """What the queues hold now."""
    groups: dict[str, GroupStatus] = {}
    for state, ids in _job_ids(conn).items():
        for job in Job.fetch_many(ids, connection=conn):
            if job is None or not job.id.startswith("crawl-"):
                continue
            key = job.meta.get("group") or job.id
            row = groups.setdefault(key, GroupStatus(key, job.meta.get("hosts") or [], job.meta.get("portals") or []))
            row.counts[state] += 1
            if state == "failed" and job.exc_info:
                row.error = job.exc_info.strip().splitlines()[-1][:200]
    ext = queue(conn, EXTRACT_QUEUE)
    extraction = {
        "queued": ext.count,
        "running": StartedJobRegistry(queue=ext).count,
        "failed": FailedJobRegistry(queue=ext).count,
        "finished": FinishedJobRegistry(queue=ext).count,
    }
    workers = len(Worker.all(connection=conn))
    return QueueStatus(sorted(groups.values(), key=lambda g: ",".join(g.hosts)), extraction, workers)
