"""Putting jobs on the queues (``nianbao queue crawl``, and the extraction a deferring shard asks for).

A crawl job's id is its host group's (``crawl-{group key}``) and it carries an RQ rate limit
keyed by the group (one job of a group queued or running at a time).  A group whose job is still
queued, waiting or running is not enqueued again (RQ would overwrite the running job's record,
and its rate limit with it); a finished or failed one is replaced by a new job.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from redis import Redis
from rq import Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.rate_limit import RateLimit

from archive.queue.connection import CRAWL_QUEUE, EXTRACT_QUEUE, queue
from archive.queue.groups import HostGroup

CRAWL_FUNC = "archive.queue.jobs.crawl_group"
EXTRACT_FUNC = "archive.queue.jobs.extract_documents"
ACTIVE = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED, JobStatus.RATE_LIMITED}
JOB_TIMEOUT = 24 * 3600  # a large portal politely crawled takes hours
RESULT_TTL = 7 * 24 * 3600


@dataclass
class Enqueued:
    """What became of one host group."""

    group: HostGroup
    job_id: str
    status: str  # enqueued | already <status>


def crawl_job_id(group: HostGroup) -> str:
    return f"crawl-{group.key}"


def enqueue_crawl(
    conn: Redis,
    groups: list[HostGroup],
    *,
    mode: str = "full",
    settings: dict | None = None,
    delay: float = 1.5,
    deny_hosts: list[str] | None = None,
    retries: int = 3,
    lease_ttl: float = 30.0,
) -> list[Enqueued]:
    """One crawl job per host group (see the module docstring)."""
    q = queue(conn, CRAWL_QUEUE)
    out: list[Enqueued] = []
    for group in groups:
        job_id = crawl_job_id(group)
        try:
            status = Job.fetch(job_id, connection=conn).get_status()
        except NoSuchJobError:
            status = None
        if status in ACTIVE:
            out.append(Enqueued(group, job_id, f"already {JobStatus(status).value}"))
            continue
        if status is not None:
            Job.fetch(job_id, connection=conn).delete()
        spec = {"group": group.key, "hosts": group.hosts, "portals": [p.as_dict() for p in group.portals],
                "mode": mode, "settings": dict(settings or {}), "delay": delay, "deny_hosts": list(deny_hosts or []),
                "lease_ttl": lease_ttl}  # fmt: skip
        q.enqueue(
            CRAWL_FUNC,
            spec,
            job_id=job_id,
            rate_limit=RateLimit(key=group.key, concurrency=1),
            retry=Retry(max=retries) if retries > 0 else None,
            job_timeout=JOB_TIMEOUT,
            result_ttl=RESULT_TTL,
            description=f"crawl {group.label}",
            meta={"group": group.key, "hosts": group.hosts, "portals": [p.portal_id for p in group.portals]},
        )
        out.append(Enqueued(group, job_id, "enqueued"))
    return out


def enqueue_extraction(conn: Redis, documents: list[dict], *, retries: int = 2) -> str:
    """One extraction job for ``documents`` (url, content_type, sha256, data); its id."""
    job = queue(conn, EXTRACT_QUEUE).enqueue(
        EXTRACT_FUNC,
        documents,
        job_id=f"extract-{uuid.uuid4().hex}",
        retry=Retry(max=retries) if retries > 0 else None,
        job_timeout=3600,
        result_ttl=3600,
        description=f"extract {len(documents)} documents",
        meta={"documents": len(documents)},
    )
    return job.id
