"""Scrapy settings of the nianbao crawler (polite by default; tests and benchmarks override).

Everything the crawler does is driven by these settings; ``nianbao crawl -s KEY=VALUE`` and
``scrapy crawl portal -s KEY=VALUE`` override any of them.  The ``NIANBAO_*`` keys are ours.
"""

from __future__ import annotations

from archive import USER_AGENT as NIANBAO_USER_AGENT
from archive.store.paths import DEFAULT_ARCHIVE_DIR, DEFAULT_DB

BOT_NAME = "nianbao"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# An honest User-Agent naming the project and where to read about it.
USER_AGENT = NIANBAO_USER_AGENT

# ----------------------------------------------------------------------------- politeness
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 1  # one request at a time per host
DOWNLOAD_DELAY = 1.5  # seconds between requests to one host (tests and bench: 0)
DOWNLOAD_DELAY_JITTER = 0.5  # ±50 %
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.5
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 60
COOKIES_ENABLED = True
METAREFRESH_ENABLED = False  # the spiders follow a refresh themselves, unless it is a soft 404 to the parent column
REFERER_ENABLED = True
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "zh-CN,zh;q=0.9",
}

# ----------------------------------------------------------------------------- limits
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024  # a larger response is recorded as a fetch error (too_large)
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024
DEPTH_LIMIT = 8  # navigation hops from a start page (pager pages of one list do not count)
NIANBAO_MAX_PAGES = 5000  # requests per portal and run (crawler traps)
NIANBAO_MAX_LIST_PAGES = 300  # pages walked per list (endless pagers)
NIANBAO_AREA_DEPTH = 3  # hops through 政府信息公开/政务公开 area pages before a 年报 column

# ----------------------------------------------------------------------------- retries
RETRY_ENABLED = True
RETRY_TIMES = 4  # 5xx, timeouts, dropped connections (never 404)
RETRY_HTTP_CODES = [500, 502, 503, 504, 520, 522, 523, 524, 408]
NIANBAO_BACKOFF_BASE = 2.0  # seconds; attempt n waits base * 2**(n-1), at most NIANBAO_BACKOFF_MAX
NIANBAO_BACKOFF_MAX = 120.0
NIANBAO_RETRY_AFTER_MAX = 300.0  # longest Retry-After honoured (seconds)
NIANBAO_THROTTLE_RETRIES = 5  # 429 answers retried per request
NIANBAO_BLOCK_RETRIES = 1  # WAF/challenge pages: retries after a backoff, then give up
NIANBAO_BLOCK_BACKOFF = 30.0

# ----------------------------------------------------------------------------- archive
NIANBAO_ARCHIVE_DIR = str(DEFAULT_ARCHIVE_DIR)
NIANBAO_DB = str(DEFAULT_DB)
NIANBAO_REGISTRY = None  # portal registry file (default: crawler/portals.toml)
NIANBAO_MODE = "full"  # full | incremental (conditional requests; reports of unchanged lists not asked for)
# incremental: a list page showing nothing new (304, or only archived items with unchanged entries)
# ends the walk of its list; reports that vanished further down are found by the periodic --full run
# (`nianbao crawl --incremental --early-stop`; scheduled runs use it)
NIANBAO_EARLY_STOP = False
# incremental: a list whose newest entry is older than this many days (a past year's folder) is not
# asked for; the periodic --full walk still checks it.  0 (the default) asks every list every run, so
# corrections re-listed in old folders are found by the next incremental run (`--dormant-days 730`
# trades that for fewer requests)
NIANBAO_DORMANT_DAYS = 0
NIANBAO_TODAY = None  # ISO date the dormancy is measured from (default: today)
NIANBAO_PROGRESS = False  # live progress line on a terminal (set by `nianbao crawl`)

# ----------------------------------------------------------------------------- components
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "crawler.middlewares.PortalOffsiteMiddleware": 50,
    "crawler.middlewares.PageCapMiddleware": 60,
    "crawler.middlewares.HostPauseMiddleware": 70,
    "crawler.middlewares.ConditionalRequestMiddleware": 580,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    "crawler.middlewares.ArchiveCaptureMiddleware": 585,
    "crawler.middlewares.RedirectCaptureMiddleware": 605,
}
SPIDER_MIDDLEWARES = {
    # depth is kept by the spiders themselves: pager pages of one list stay at the list's depth
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
}
ITEM_PIPELINES = {
    "crawler.pipelines.ReportPipeline": 300,
}
EXTENSIONS = {
    "crawler.extension.ArchiveExtension": 100,
    "scrapy.extensions.telnet.TelnetConsole": None,
}

TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"

# The crawler needs no asyncio library; Twisted's default reactor (epoll on Linux) keeps one
# request per host flowing without the idle gaps measured with the asyncio reactor (bench_crawl).
TWISTED_REACTOR = None
REMOTE_CONTROL_ENABLED = False
