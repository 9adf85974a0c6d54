"""Failed requests: what went wrong, recorded in ``fetch_errors`` (and an archived report that
answers 404/410 when re-checked is marked removed)."""

from __future__ import annotations

from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler import detection
from crawler.meta import meta_of
from crawler.run import PortalRun


def describe_failure(failure: Failure, run: PortalRun) -> str | None:
    """Record the failed request of ``failure``; returns the reason (None when it is no error:
    an offsite or page-cap refusal, recorded where it was decided)."""
    request = failure.request  # type: ignore[attr-defined]  # Scrapy sets it on errback failures
    meta = meta_of(request)
    exc = failure.value
    if isinstance(exc, HttpError):
        status = exc.response.status
        reason = f"HTTP {status}"
        if meta.verdict is not None and meta.verdict.kind == detection.BLOCK:
            return f"blocked: {meta.verdict.reason}"  # recorded as a block when it was answered
        run.fetch_error(request.url, "http", reason, status)
        if meta.recheck and status in (404, 410):
            run.mark_removed(request.url, reason)
        return reason
    if isinstance(exc, IgnoreRequest):
        text = str(exc)
        if text.startswith("Forbidden by robots.txt"):
            run.stats.inc("robots_forbidden")
            run.fetch_error(request.url, "robots", "forbidden by robots.txt", count=False)
            return "forbidden by robots.txt"
        if text.startswith("blocked:"):
            return text
        return None
    if isinstance(exc, DownloadCancelledError):
        reason = str(exc) or "larger than the download size limit"
        run.fetch_error(request.url, "too_large", reason)
        return reason
    reason = f"{exc.__class__.__name__}: {exc}".strip().rstrip(":")
    run.fetch_error(request.url, "error", reason)
    return reason
