"""What a worker runs: a host group's crawl, or a batch of extractions.

Both run in the RQ work horse (a process of its own per job, forked by the worker).  A crawl
job takes its group's lease (:mod:`archive.queue.lease`), then crawls each portal of the group
in a child process of its own — :func:`crawler.runner.run_crawl` into the worker's shard; the
Twisted reactor starts once per process — one after the other, renewing the lease while a child
runs.  A child dies with its job (``PR_SET_PDEATHSIG``), so a killed worker never leaves a crawl
going without its lease.

In a shard that defers extraction (``nianbao worker --defer-extraction``), a crawl job ends by
putting the documents it recorded on the extraction queue, bytes included, so any worker can
extract them: :func:`extract_documents` keeps the results in the executing worker's shard
(``{shard}/cache/``), and ``nianbao merge`` brings those caches along.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import tempfile
import time
from pathlib import Path

from redis import Redis
from rq import get_current_job

from archive.queue.enqueue import enqueue_extraction
from archive.queue.groups import PortalJob
from archive.queue.lease import HostLease
from archive.store import shard
from archive.store.extract_ahead import Pending, missing, report_inputs
from archive.store.extraction_cache import CacheWriter, context_of, report_json
from archive.store.ingest import IngestInput, extract_input
from archive.store.warc import read_record, warc_files

logger = logging.getLogger(__name__)

SHARD_ENV = "NIANBAO_SHARD_DIR"  # set by ``nianbao worker`` for its horses
EXIT_RETRY = 3  # a child that raised: the job fails and RQ retries it
OK_EXITS = {0: "ok", 1: "failed", 130: "interrupted"}  # a crawl's own outcomes (recorded in the shard)
BATCH_BYTES = 16 * 1024 * 1024  # payload bytes per extraction job


class CrawlJobError(RuntimeError):
    """A portal's crawl process did not end with a crawl outcome (killed, crashed): the job is retried."""


def shard_dir() -> Path:
    value = os.environ.get(SHARD_ENV)
    if not value:
        raise RuntimeError(f"{SHARD_ENV} is not set: jobs run in `nianbao worker`")
    return Path(value)


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent (the job) dies."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return


def _crawl_child(archive: str, portal: dict, mode: str, overrides: dict, deny_hosts: list[str], parent: int) -> None:
    """Body of a portal's crawl process: exits with the crawl's exit code (:data:`EXIT_RETRY` on an error)."""
    _die_with_parent()
    if os.getppid() != parent:  # the job died before the line above
        os._exit(EXIT_RETRY)
    code = EXIT_RETRY
    try:
        from crawler.registry import Registry, portal_from_dict
        from crawler.runner import run_crawl

        job = PortalJob.from_dict(portal)
        with tempfile.TemporaryDirectory(prefix="nianbao-job-") as tmp:
            registry = None
            if job.entry is not None:
                entry = portal_from_dict(job.entry)
                registry = Registry({entry.id: entry}, list(deny_hosts)).save(Path(tmp) / "portals.toml")
            summary = run_crawl(
                [job.portal_id] if job.entry is not None else [],
                None if job.entry is not None else job.start_url,
                archive_dir=archive,
                registry=registry,
                mode=mode,
                overrides=overrides,
                portal_name=job.name,
            )
            code = summary.exit_code
    except BaseException:
        logger.exception("crawl of %s failed", portal.get("portal_id"))
        code = EXIT_RETRY
    finally:
        logging.shutdown()
        os._exit(code)


def _run_portal(archive: Path, portal: PortalJob, spec: dict, lease: HostLease) -> int:
    """Crawl one portal in a child process while renewing the lease; its exit code."""
    ctx = multiprocessing.get_context("fork")
    child = ctx.Process(
        target=_crawl_child,
        args=(str(archive), portal.as_dict(), spec["mode"], spec.get("settings") or {},
              spec.get("deny_hosts") or [], os.getpid()),
        name=f"crawl {portal.portal_id}",
    )  # fmt: skip
    child.start()
    job = get_current_job()
    if job is not None:
        job.meta["pids"] = [os.getpid(), child.pid]
        job.meta["portal"] = portal.portal_id
        job.save_meta()
    try:
        while child.is_alive():
            child.join(lease.renew_every)
            if child.is_alive():
                lease.renew()  # LeaseLost: the crawl stops (finally) and the job fails
    finally:
        if child.is_alive():
            child.kill()
            child.join()
    return child.exitcode if child.exitcode is not None else EXIT_RETRY


def crawl_group(spec: dict) -> dict:
    """The job of one host group: crawl its portals, one after the other, into the worker's shard."""
    archive = shard_dir()
    job = get_current_job()
    if job is None:
        raise RuntimeError("crawl_group runs as an RQ job")
    delay = float(spec.get("delay") or 0.0)
    lease = HostLease(job.connection, spec["group"], delay=delay, ttl=float(spec.get("lease_ttl") or 30), holder=job.id)
    started = time.monotonic()
    before = {p.name for p in warc_files(archive)}
    lease.acquire()
    outcomes: dict[str, str] = {}
    try:
        for i, data in enumerate(spec["portals"]):
            if i and delay:
                time.sleep(delay)  # between two portals of the group, as between two requests
            portal = PortalJob.from_dict(data)
            code = _run_portal(archive, portal, spec, lease)
            if code not in OK_EXITS:
                raise CrawlJobError(f"the crawl of {portal.portal_id} ended with exit code {code}")
            outcomes[portal.portal_id] = OK_EXITS[code]
    finally:
        lease.release()
    config = shard.load(archive)
    extraction_jobs = 0
    if config is not None and config.defer_extraction:
        new = [p for p in warc_files(archive) if p.name not in before]
        extraction_jobs = enqueue_documents(job.connection, archive, report_inputs(archive, new))
    return {"group": spec["group"], "shard": config.id if config else str(archive), "portals": outcomes,
            "waited": round(lease.waited, 3), "seconds": round(time.monotonic() - started, 3),
            "extraction_jobs": extraction_jobs}  # fmt: skip


# --------------------------------------------------------------------------- extraction


def enqueue_documents(conn: Redis, archive: Path, items: list[Pending]) -> int:
    """Put the documents (with their bytes) on the extraction queue in batches; how many jobs."""
    batch: list[dict] = []
    size = 0
    jobs = 0
    for item in missing(archive, items):
        payload = read_record(archive, item.warc_file, item.offset).payload
        batch.append({"url": item.url, "content_type": item.content_type, "sha256": item.sha256, "data": payload})
        size += len(payload)
        if size >= BATCH_BYTES:
            enqueue_extraction(conn, batch)
            jobs += 1
            batch, size = [], 0
    if batch:
        enqueue_extraction(conn, batch)
        jobs += 1
    return jobs


def extract_documents(documents: list[dict]) -> dict:
    """Extract documents carried by the job into this worker's extraction cache (in its shard)."""
    archive = shard_dir()
    name = os.environ.get("RQ_WORKER_ID") or f"{os.uname().nodename}-{os.getpid()}"
    errors = 0
    started = time.monotonic()
    with CacheWriter(archive, name) as cache:
        for doc in documents:
            t0 = time.monotonic()
            inp = IngestInput(url=doc["url"], data=doc["data"], content_type=doc.get("content_type"))
            report, error = extract_input(inp)
            errors += error is not None
            cache.put_json(inp.sha256, context_of(inp.url, inp.content_type),
                           report_json(report) if report else None, error, time.monotonic() - t0)  # fmt: skip
    return {"documents": len(documents), "errors": errors, "seconds": round(time.monotonic() - started, 3)}
