"""A retried request is judged on its own answer: the downloader middlewares (archive capture,
block retry) with a real archive, and the retry's answer allocated where the freed first
answer was (CPython reuses the address at once; a crawl under load did so now and then, and the
report behind a block page was lost without a word)."""

from __future__ import annotations

import gc
import sqlite3
from collections.abc import Callable, Iterator

import pytest
from portalgen.shells import block_page
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.meta import META_KEY, CrawlMeta, meta_of
from crawler.middlewares import ArchiveCaptureMiddleware, BackoffRetryMiddleware, RedirectCaptureMiddleware
from crawler.registry import Portal
from crawler.run import CrawlRun, PortalRun
from crawler.stats import CrawlStats

URL = "http://127.0.0.1:8000/zfxxgk/zfxxgknb/202101/t20210112_5901183.html"
REPORT = (
    "<html><head><title>城步苗族自治县2020年政府信息公开工作年度报告</title></head><body>"
    "<h1>城步苗族自治县2020年政府信息公开工作年度报告</h1>"
    "<p>本报告由城步苗族自治县人民政府办公室根据《中华人民共和国政府信息公开条例》编制。</p>"
    "</body></html>"
).encode()


class Downloader:
    """The capture and retry middlewares of one portal's crawler, answering in Scrapy's order."""

    def __init__(self, tmp_path) -> None:
        self.crawler = get_crawler(settings_dict={"NIANBAO_BLOCK_RETRIES": 1, "NIANBAO_BLOCK_BACKOFF": 0.0})
        portal = Portal(id="430529", name="城步苗族自治县", hosts=["127.0.0.1:8000"], start_urls=[URL])
        self.run = CrawlRun(tmp_path / "data", None, [portal.id], "full")
        self.portal_run = PortalRun(self.run, portal, CrawlStats(self.crawler.stats))
        self.portal_run.attach(self.crawler)
        self.portal_run.register_portal()
        self.capture = ArchiveCaptureMiddleware.from_crawler(self.crawler)
        self.redirect_capture = RedirectCaptureMiddleware.from_crawler(self.crawler)
        self.retry = BackoffRetryMiddleware.from_crawler(self.crawler)

    def answer(self, request: Request, response: HtmlResponse) -> Request | HtmlResponse:
        """The response through capture (585), then retry (550)."""
        captured = self.capture.process_response(request, response)
        return self.retry.process_response(request, captured)

    def rows(self, sql: str) -> list[sqlite3.Row]:
        db = sqlite3.connect(self.run.session.db_path)
        db.row_factory = sqlite3.Row
        try:
            return db.execute(sql).fetchall()
        finally:
            db.close()


@pytest.fixture
def downloader(tmp_path) -> Iterator[Downloader]:
    found = Downloader(tmp_path)
    yield found
    found.run.close()


def at_address(address: int, make: Callable[[], HtmlResponse]) -> HtmlResponse:
    """A new response at ``address`` (the freed previous answer's), as the allocator hands it out."""
    missed = []
    for _ in range(10_000):
        response = make()
        if id(response) == address:
            return response
        missed.append(response)
    pytest.skip("this interpreter never reused the address of a freed response")


def block_answer_then(downloader: Downloader, body: bytes) -> tuple[Request, Request | HtmlResponse]:
    """A detail request answered by the block page, retried, and the retry answered with ``body``."""
    request = Request(URL, meta={META_KEY: CrawlMeta(role="detail", url=URL)}, dont_filter=True)
    first = HtmlResponse(URL, body=block_page().encode(), encoding="utf-8", request=request)
    again = downloader.answer(request, first)
    assert isinstance(again, Request) and meta_of(again).block_retries == 1
    freed = id(first)
    del first
    gc.collect()
    answer = at_address(freed, lambda: HtmlResponse(URL, body=body, encoding="utf-8", request=again))
    return again, downloader.answer(again, answer)


def test_a_retry_is_judged_on_its_own_answer(downloader):
    """The retry of a block page carries nothing of the block (capture, verdict) and its answer
    is archived, judged ok and handed on; the block stays recorded as a block."""
    again, result = block_answer_then(downloader, REPORT)
    assert isinstance(result, HtmlResponse) and result.body == REPORT
    meta = meta_of(again)
    assert meta.verdict is not None and meta.verdict.ok
    assert meta.captured is not None and meta.captured.snapshot_id is not None
    snapshots = downloader.rows("SELECT id, status FROM snapshots ORDER BY id")
    assert [s["status"] for s in snapshots] == [200, 200]
    assert meta.captured.snapshot_id == snapshots[-1]["id"]
    blocks = downloader.rows("SELECT url, kind, status FROM fetch_errors")
    assert [tuple(b) for b in blocks] == [(URL, "block", 200)]
    assert downloader.crawler.stats.get_value("nianbao/blocks") == 1
    assert downloader.crawler.stats.get_value("nianbao/responses") == 2


def test_a_block_that_outlasts_its_retries_is_recorded_as_a_block(downloader):
    """The block page again after the last retry: the request is given up, and both answers are
    captured and recorded as blocks (never lost without a record)."""
    with pytest.raises(IgnoreRequest, match="^blocked: "):
        block_answer_then(downloader, block_page().encode())
    blocks = downloader.rows("SELECT url, kind, status FROM fetch_errors ORDER BY id")
    assert [tuple(b) for b in blocks] == [(URL, "block", 200)] * 2
    assert downloader.crawler.stats.get_value("nianbao/blocks") == 2
    assert downloader.crawler.stats.get_value("nianbao/responses") == 2


def test_a_redirect_target_is_archived_as_itself(downloader):
    """A redirected request shares its meta with the 3xx (Scrapy copies the meta dict, not its
    values): the target's answer, at the freed 3xx's address, is still archived and is the
    capture the spider reads."""
    request = Request(URL, meta={META_KEY: CrawlMeta(role="detail", url=URL)}, dont_filter=True)
    moved = HtmlResponse(URL, status=302, headers={"Location": URL + "?v=2"}, body=b"", request=request)
    downloader.redirect_capture.process_response(request, moved)
    target = request.replace(url=URL + "?v=2")
    assert meta_of(target) is meta_of(request)
    freed = id(moved)
    del moved
    gc.collect()
    answer = at_address(freed, lambda: HtmlResponse(target.url, body=REPORT, encoding="utf-8", request=target))
    assert downloader.answer(target, answer) is answer
    meta = meta_of(target)
    assert meta.verdict is not None and meta.verdict.ok
    snapshots = downloader.rows("SELECT id, url, status FROM snapshots ORDER BY id")
    assert [(s["url"], s["status"]) for s in snapshots] == [(URL, 302), (URL + "?v=2", 200)]
    assert meta.captured is not None and meta.captured.snapshot_id == snapshots[-1]["id"]


def test_a_retry_carries_the_request_not_the_answer():
    """What the spider asked for and the retry counts go with a request asked again; the previous
    answer's capture, verdict and 304 state do not."""
    request = Request(URL, meta={META_KEY: CrawlMeta(role="detail", url=URL, title="年报", depth=3)})
    response = HtmlResponse(URL, body=REPORT, encoding="utf-8", request=request)
    meta = meta_of(request)
    meta.capturing(response)
    assert meta.captures(response)
    again = meta.again(block_retries=1, attempts=1)
    assert (again.role, again.url, again.title, again.depth) == ("detail", URL, "年报", 3)
    assert (again.block_retries, again.attempts) == (1, 1)
    assert (again.captured, again.captured_response, again.verdict, again.unchanged) == (None, None, None, False)
    assert not again.captures(response)
