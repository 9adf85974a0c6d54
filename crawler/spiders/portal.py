"""The ``portal`` spider: any portal, its CMS family recognised page by page.

``scrapy crawl portal -a portal=ID`` crawls a registered portal; ``-a start_url=URL`` an
unregistered one from its home page alone (``-a portal_id=…`` names it).  Every platform
parser is tried on each list page, so a portal that mixes families (a TRS portal with a Hanweb
信息公开 module, a gkmlpt directory under a VSB home page) is covered.
"""

from __future__ import annotations

from crawler.spiders.base import ReportSpider
from crawler.spiders.gkmlpt import GkmlptParser
from crawler.spiders.hanweb import HanwebParser
from crawler.spiders.trs import TrsParser
from crawler.spiders.trs_dynamic import TrsDynamicParser


class PortalSpider(ReportSpider):
    name = "portal"
    parsers = (TrsDynamicParser, HanwebParser, GkmlptParser, TrsParser)
