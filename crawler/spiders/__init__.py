"""Spiders: ``portal`` (any CMS family, recognised page by page) and one per family (``trs``,
``trs_dynamic``, ``hanweb``, ``gkmlpt``, ``generic``), all small subclasses of :class:`crawler.spiders.base.ReportSpider`."""
