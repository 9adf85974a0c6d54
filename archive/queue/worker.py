"""``nianbao worker``: an RQ worker that runs crawl and extraction jobs into its own shard.

The worker makes its archive directory a shard (:mod:`archive.store.shard`) and holds it for
its lifetime (``{shard}/.nianbao-worker.lock``: one worker per shard).  Each job runs in a work
horse of its own (RQ forks one per job).  A worker killed mid-job leaves its job *started* with
a heartbeat that stops; once it is older than twice the heartbeat interval, the next registry
maintenance of any worker retries it (RQ's abandoned-job handling and the job's ``Retry``), and
the shard repairs itself when a session opens it again (:mod:`archive.store.session`).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rq import Worker
from rq.job import Job

from archive.queue.connection import QUEUES, QueueError, connect, queue
from archive.queue.jobs import SHARD_ENV
from archive.store import shard

WORKER_LOCK = ".nianbao-worker.lock"
DEFAULT_HEARTBEAT = 30


class ShardWorker(Worker):
    """An RQ worker whose jobs count as abandoned after two missed heartbeats (RQ's margin is 60 s)."""

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        return int(self.job_monitoring_interval * 2 + 1)

    def subscribe(self) -> None:
        """RQ's command channel, polled every second (RQ's 60 s wait held up a worker's exit as long)."""
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(  # type: ignore[assignment]
            sleep_time=1, daemon=True, exception_handler=self._pubsub_exception_handler
        )


@contextmanager
def worker_lock(archive_dir: Path) -> Iterator[None]:
    """Hold the shard for this worker, or raise :class:`QueueError` when another worker does."""
    fd = os.open(archive_dir / WORKER_LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            raise QueueError(f"shard {archive_dir} is used by another worker (pid {holder})") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)


def run_worker(
    redis_url: str,
    archive_dir: Path | str,
    *,
    burst: bool = False,
    queues: tuple[str, ...] = QUEUES,
    name: str | None = None,
    defer_extraction: bool = False,
    heartbeat: int = DEFAULT_HEARTBEAT,
    log_level: str = "INFO",
) -> int:
    """Work jobs of ``queues`` into the shard ``archive_dir`` until stopped (or, with ``burst``, until
    the queues are empty); returns how many jobs this worker ran."""
    if heartbeat < 1:
        raise QueueError("--heartbeat must be at least 1 second")
    archive_dir = Path(archive_dir)
    config = shard.create(archive_dir, name, defer_extraction=defer_extraction)
    maintenance = max(2, 2 * heartbeat)  # abandoned jobs are found this often
    conn = connect(redis_url)
    with worker_lock(archive_dir):
        os.environ[SHARD_ENV] = str(archive_dir.resolve())
        worker = ShardWorker(
            [queue(conn, q) for q in queues],
            connection=conn,
            name=f"{config.id}.{os.getpid()}",
            job_monitoring_interval=heartbeat,
            maintenance_interval=maintenance,
            worker_ttl=maintenance + 15,  # an idle worker wakes (and maintains) every `maintenance` seconds
        )
        worker.work(burst=burst, logging_level=log_level)
        return worker.successful_job_count + worker.failed_job_count
