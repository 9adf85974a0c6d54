"""Downloader middlewares: stay on the portal, pause and retry politely, archive every response.

Order (``DOWNLOADER_MIDDLEWARES`` in :mod:`crawler.settings`; requests pass in ascending,
responses in descending order):

* 50 :class:`PortalOffsiteMiddleware` – only the portal's own ``host:port`` (never mirrors);
* 60 :class:`PageCapMiddleware` – a per-portal request cap (crawler traps);
* 70 :class:`HostPauseMiddleware` – holds requests to a host that answered 429/5xx until its pause ends;
* 550 :class:`BackoffRetryMiddleware` – 5xx/timeouts with exponential backoff, 429 with
  ``Retry-After`` (bounded), WAF blocks retried once after a long pause, never 404;
* 580 :class:`ConditionalRequestMiddleware` – ``If-None-Match``/``If-Modified-Since`` in incremental runs;
* 605 :class:`RedirectCaptureMiddleware` – 3xx answers, before the redirect middleware follows them;
* 585 :class:`ArchiveCaptureMiddleware` – every response (list pages, details, attachments,
  robots.txt, API answers, error pages) goes to the WARC files and the database, block pages
  and soft 404s are recognised and recorded.
"""

from __future__ import annotations

import email.utils
import http.client
import logging
import time
from weakref import WeakKeyDictionary

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Headers, Response, TextResponse
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.misc import load_object
from twisted.internet import reactor
from twisted.internet.task import deferLater

from crawler import detection
from crawler.meta import META_KEY, meta_of, request_kind
from crawler.registry import url_host
from crawler.run import PortalRun
from crawler.stats import CrawlStats

logger = logging.getLogger(__name__)

# per crawler: host → monotonic time its pause ends (HostPauseMiddleware holds, BackoffRetryMiddleware sets)
_PAUSES: WeakKeyDictionary[Crawler, dict[str, float]] = WeakKeyDictionary()


def _headers(headers: Headers) -> list[tuple[str, str]]:
    out = []
    for name, values in headers.items():
        key = name.decode("latin-1") if isinstance(name, bytes) else str(name)
        for value in values:
            out.append((key, value.decode("latin-1") if isinstance(value, bytes) else str(value)))
    return out


class PortalOffsiteMiddleware:
    """Drop every request to a host that is not the portal's own (host and port must match)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PortalOffsiteMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: object = None) -> None:
        run = PortalRun.of(self.crawler)
        if run is None:
            return None
        host = url_host(request.url)
        if not run.scope.allows_host(host):
            run.stats.inc("offsite")
            raise IgnoreRequest(f"offsite: {host} is not a host of portal {run.portal.id}")
        return None


class PageCapMiddleware:
    """At most ``NIANBAO_MAX_PAGES`` requests per portal and run (retries not counted)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.cap = crawler.settings.getint("NIANBAO_MAX_PAGES", 5000)
        self.count = 0
        self.reported = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PageCapMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: object = None) -> None:
        if meta_of(request).attempts or request.meta.get("dont_obey_robotstxt") and request_kind(request) == "robots":
            return None
        self.count += 1
        if self.cap and self.count > self.cap:
            run = PortalRun.of(self.crawler)
            if not self.reported and run is not None:
                self.reported = True
                reason = f"page cap reached: more than {self.cap} requests for this portal"
                run.fetch_error(request.url, "error", reason)
            raise IgnoreRequest(f"page cap: {self.cap} requests")
        return None


class HostPauseMiddleware:
    """Requests to a paused host wait (429 ``Retry-After``, 5xx backoff) before they go out."""

    pauses: dict[str, float]

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.pauses = _PAUSES.setdefault(crawler, {})  # shared with BackoffRetryMiddleware

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HostPauseMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: object = None):
        wait = self.pauses.get(url_host(request.url), 0.0) - time.monotonic()
        if wait <= 0:
            return None  # the common case stays synchronous
        return self._wait(request)

    async def _wait(self, request: Request) -> None:
        host = url_host(request.url)
        while True:
            wait = self.pauses.get(host, 0.0) - time.monotonic()
            if wait <= 0:
                return None
            await maybe_deferred_to_future(deferLater(reactor, wait, lambda: None))


def pause_host(crawler: Crawler, url: str, seconds: float) -> None:
    """Hold every request to the URL's host for ``seconds``."""
    pauses = _PAUSES.get(crawler)
    if pauses is None or seconds <= 0:
        return
    host = url_host(url)
    pauses[host] = max(pauses.get(host, 0.0), time.monotonic() + seconds)


def retry_after_seconds(value: str | bytes | None, default: float) -> float:
    """Seconds a ``Retry-After`` header asks for (delta-seconds or an HTTP date)."""
    if value is None:
        return default
    text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return default
    return max(0.0, when.timestamp() - time.time())


class BackoffRetryMiddleware:
    """Retries with exponential backoff on 5xx, timeouts and connection errors; 429 honours
    ``Retry-After`` (at most ``NIANBAO_RETRY_AFTER_MAX``); block pages are retried
    ``NIANBAO_BLOCK_RETRIES`` times after ``NIANBAO_BLOCK_BACKOFF``; 404 is never retried."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not settings.getbool("RETRY_ENABLED"):
            raise NotConfigured
        self.crawler = crawler
        self.stats = CrawlStats(crawler.stats)
        self.max_retries = settings.getint("RETRY_TIMES", 4)
        self.codes = {int(c) for c in settings.getlist("RETRY_HTTP_CODES")} - {429, 404}
        self.base = settings.getfloat("NIANBAO_BACKOFF_BASE", 2.0)
        self.cap = settings.getfloat("NIANBAO_BACKOFF_MAX", 120.0)
        self.retry_after_max = settings.getfloat("NIANBAO_RETRY_AFTER_MAX", 300.0)
        self.throttle_retries = settings.getint("NIANBAO_THROTTLE_RETRIES", 5)
        self.block_retries = settings.getint("NIANBAO_BLOCK_RETRIES", 1)
        self.block_backoff = settings.getfloat("NIANBAO_BLOCK_BACKOFF", 30.0)
        self.exceptions = tuple(
            load_object(x) if isinstance(x, str) else x for x in settings.getlist("RETRY_EXCEPTIONS")
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffRetryMiddleware:
        return cls(crawler)

    def backoff(self, attempt: int) -> float:
        """Seconds before retry ``attempt`` (1-based): base, 2·base, 4·base … capped."""
        return min(self.cap, self.base * (2 ** max(0, attempt - 1)))

    def _retry(self, request: Request, counter: str, delay: float, reason: str) -> Request:
        meta = meta_of(request)
        attempt = getattr(meta, counter) + 1
        new = request.copy()
        # the retry is judged on its own answer: nothing of this one (capture, verdict) goes with it
        new.meta[META_KEY] = meta.again(**{counter: attempt, "attempts": meta.attempts + 1})
        new.dont_filter = True
        new.priority = request.priority - 1
        pause_host(self.crawler, request.url, delay)
        self.stats.inc("retries")
        logger.info("retrying %s in %.2f s (%s, attempt %d)", request.url, delay, reason, attempt)
        return new

    def process_response(self, request: Request, response: Response, spider: object = None) -> Request | Response:
        if request.meta.get("dont_retry"):
            return response
        meta = meta_of(request)
        verdict = meta.verdict
        if verdict is not None and verdict.kind == detection.BLOCK:
            tries = meta.block_retries
            if tries < self.block_retries:
                return self._retry(request, "block_retries", self.block_backoff * (2**tries), verdict.reason)
            raise IgnoreRequest(f"blocked: {verdict.reason}")
        status = response.status
        if status == 429:
            tries = meta.throttle_retries
            if tries < self.throttle_retries:
                wait = retry_after_seconds(response.headers.get(b"Retry-After"), self.backoff(tries + 1))
                return self._retry(request, "throttle_retries", min(wait, self.retry_after_max), "HTTP 429")
            return response
        if status in self.codes:
            tries = meta.retries
            if tries < self.max_retries:
                return self._retry(request, "retries", self.backoff(tries + 1), f"HTTP {status}")
        return response

    def process_exception(self, request: Request, exception: Exception, spider: object = None) -> Request | None:
        if request.meta.get("dont_retry") or not isinstance(exception, self.exceptions):
            return None
        tries = meta_of(request).retries
        if tries < self.max_retries:
            return self._retry(request, "retries", self.backoff(tries + 1), exception.__class__.__name__)
        return None


class ConditionalRequestMiddleware:
    """In incremental runs, ask for list pages, detail pages and attachments only if they changed
    (``If-None-Match``/``If-Modified-Since`` from the archive's latest fetch of the URL)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.enabled = crawler.settings.get("NIANBAO_MODE", "full") == "incremental"

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalRequestMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: object = None) -> None:
        if not self.enabled or request.method != "GET" or request_kind(request) not in ("list", "detail", "attachment"):
            return None
        run = PortalRun.of(self.crawler)
        if meta_of(request).unconditional or run is None:
            return None
        found = run.validators(request.url)
        if not found:
            return None
        etag, last_modified = found
        if etag:
            request.headers[b"If-None-Match"] = etag
        if last_modified:
            request.headers[b"If-Modified-Since"] = last_modified
        allowed = list(request.meta.get("handle_httpstatus_list", []))
        if 304 not in allowed:
            request.meta["handle_httpstatus_list"] = allowed + [304]
        return None


class ArchiveCaptureMiddleware:
    """Write every response to the archive (WARC + database) and recognise block pages and soft 404s."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveCaptureMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response, spider: object = None) -> Response:
        run = PortalRun.of(self.crawler)
        meta = meta_of(request)
        if run is None or meta.captures(response):
            return response
        meta.capturing(response)
        kind = request_kind(request)
        run.stats.inc("responses")
        if response.status == 304:
            run.stats.inc("not_modified")
        meta.captured = run.capture(
            request.url,
            method=request.method,
            request_headers=_headers(request.headers),
            request_body=request.body or None,
            status=response.status,
            reason=http.client.responses.get(response.status, ""),
            response_headers=_headers(response.headers),
            payload=response.body,
            kind=kind,
        )
        verdict = detection.Verdict(detection.OK)
        if kind not in ("attachment", "robots") and response.status != 304:
            text = ""
            if isinstance(response, TextResponse):
                try:
                    text = response.text
                except (UnicodeDecodeError, LookupError):
                    text = ""
            ctype = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
            verdict = detection.classify_page(response.status, text, request.url, ctype)
        elif response.status in (403, 412, 521):
            verdict = detection.classify_page(response.status, "", request.url)
        meta.verdict = verdict
        if verdict.kind == detection.BLOCK:
            run.stats.inc("blocks")
            run.fetch_error(request.url, "block", verdict.reason, response.status, count=False)
        elif verdict.kind == detection.SOFT404:
            run.fetch_error(request.url, "http", verdict.reason, response.status)
        return response


class RedirectCaptureMiddleware(ArchiveCaptureMiddleware):
    """Archive 3xx answers too (they never reach :class:`ArchiveCaptureMiddleware`: the redirect
    middleware turns them into new requests first)."""

    def process_response(self, request: Request, response: Response, spider: object = None) -> Response:
        if 300 <= response.status < 400 and response.status != 304:
            return super().process_response(request, response, spider)
        return response
