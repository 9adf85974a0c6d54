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
from typing import TYPE_CHECKING

from scrapy import Request
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response, TextResponse
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.misc import load_object
from twisted.internet import reactor
from twisted.internet.task import deferLater

from crawler import detection
from crawler.registry import url_host

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


def _spider(crawler: Crawler):
    return crawler.spider


def _headers(headers) -> list[tuple[str, str]]:
    out = []
    for name, values in headers.items():
        key = name.decode("latin-1") if isinstance(name, bytes) else str(name)
        for value in values:
            out.append((key, value.decode("latin-1") if isinstance(value, bytes) else str(value)))
    return out


def request_kind(request: Request) -> str:
    """The archive ``kind`` of a request: list | detail | attachment | robots | api | other."""
    kind = request.meta.get("nb_kind")
    if kind:
        return kind
    if request.url.split("?")[0].endswith("/robots.txt"):
        return "robots"
    return "other"


class PortalOffsiteMiddleware:
    """Drop every request to a host that is not the portal's own (host and port must match)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PortalOffsiteMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider=None) -> None:
        spider = _spider(self.crawler)
        hosts = getattr(spider, "allowed_hosts", None)
        if hosts is None:
            return None
        host = url_host(request.url)
        if host not in hosts:
            spider.count("offsite")
            raise IgnoreRequest(f"offsite: {host} is not a host of portal {spider.portal.id}")
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

    def process_request(self, request: Request, spider=None) -> None:
        if (
            request.meta.get("nb_attempt")
            or request.meta.get("dont_obey_robotstxt")
            and request_kind(request) == "robots"
        ):
            return None
        self.count += 1
        if self.cap and self.count > self.cap:
            spider = _spider(self.crawler)
            if not self.reported:
                self.reported = True
                spider.record_error(
                    request.url, "error", f"page cap reached: more than {self.cap} requests for this portal"
                )
            raise IgnoreRequest(f"page cap: {self.cap} requests")
        return None


class HostPauseMiddleware:
    """Requests to a paused host wait (429 ``Retry-After``, 5xx backoff) before they go out."""

    pauses: dict[str, float]

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.pauses = {}
        crawler.nianbao_pauses = self.pauses  # shared with BackoffRetryMiddleware

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HostPauseMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider=None):
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
    pauses = getattr(crawler, "nianbao_pauses", None)
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
        attempt = int(request.meta.get(counter, 0)) + 1
        new = request.copy()
        new.meta[counter] = attempt
        new.meta["nb_attempt"] = int(request.meta.get("nb_attempt", 0)) + 1
        new.dont_filter = True
        new.priority = request.priority - 1
        pause_host(self.crawler, request.url, delay)
        spider = _spider(self.crawler)
        spider.count("retries")
        logger.info("retrying %s in %.2f s (%s, attempt %d)", request.url, delay, reason, attempt)
        return new

    def process_response(self, request: Request, response: Response, spider=None) -> Request | Response:
        if request.meta.get("dont_retry"):
            return response
        verdict = request.meta.get("nb_verdict")
        if verdict is not None and verdict.kind == detection.BLOCK:
            tries = int(request.meta.get("nb_block_retries", 0))
            if tries < self.block_retries:
                return self._retry(request, "nb_block_retries", self.block_backoff * (2**tries), verdict.reason)
            raise IgnoreRequest(f"blocked: {verdict.reason}")
        status = response.status
        if status == 429:
            tries = int(request.meta.get("nb_throttle_retries", 0))
            if tries < self.throttle_retries:
                wait = retry_after_seconds(response.headers.get(b"Retry-After"), self.backoff(tries + 1))
                return self._retry(request, "nb_throttle_retries", min(wait, self.retry_after_max), "HTTP 429")
            return response
        if status in self.codes:
            tries = int(request.meta.get("nb_retries", 0))
            if tries < self.max_retries:
                return self._retry(request, "nb_retries", self.backoff(tries + 1), f"HTTP {status}")
        return response

    def process_exception(self, request: Request, exception: Exception, spider=None) -> Request | None:
        if request.meta.get("dont_retry") or not isinstance(exception, self.exceptions):
            return None
        tries = int(request.meta.get("nb_retries", 0))
        if tries < self.max_retries:
            return self._retry(request, "nb_retries", self.backoff(tries + 1), exception.__class__.__name__)
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

    def process_request(self, request: Request, spider=None) -> None:
        if not self.enabled or request.method != "GET" or request_kind(request) not in ("list", "detail", "attachment"):
            return None
        if request.meta.get("nb_unconditional"):
            return None
        run = getattr(_spider(self.crawler), "run", None)
        if run is None:
            return None
        found = run.session.validators(request.url)
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

    def process_response(self, request: Request, response: Response, spider=None) -> Response:
        spider = _spider(self.crawler)
        run = getattr(spider, "run", None)
        if run is None or request.meta.get("nb_captured_response") == id(response):
            return response
        request.meta["nb_captured_response"] = id(response)
        kind = request_kind(request)
        spider.count("responses")
        if response.status == 304:
            spider.count("not_modified")
        captured = run.session.capture(
            request.url,
            method=request.method,
            request_headers=_headers(request.headers),
            request_body=request.body or None,
            status=response.status,
            reason=http.client.responses.get(response.status, ""),
            response_headers=_headers(response.headers),
            payload=response.body,
            portal=spider.portal.id,
            kind=kind,
            run_id=run.run_id,
        )
        request.meta["nb_captured"] = captured
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
        request.meta["nb_verdict"] = verdict
        if verdict.kind == detection.BLOCK:
            spider.count("blocks")
            spider.record_error(request.url, "block", verdict.reason, response.status, count=False)
        elif verdict.kind == detection.SOFT404:
            spider.record_error(request.url, "http", verdict.reason, response.status)
        return response


class RedirectCaptureMiddleware(ArchiveCaptureMiddleware):
    """Archive 3xx answers too (they never reach :class:`ArchiveCaptureMiddleware`: the redirect
    middleware turns them into new requests first)."""

    def process_response(self, request: Request, response: Response, spider=None) -> Response:
        if 300 <= response.status < 400 and response.status != 304:
            return super().process_response(request, response, spider)
        return response
