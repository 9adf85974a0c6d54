"""nianbao crawler: a Scrapy project (``scrapy.cfg`` at the repository root) that finds the
政府信息公开工作年度报告 on government portals and archives every response (the ``portal`` spider,
:mod:`crawler.spiders.portal`; ``nianbao crawl`` runs it through :func:`crawler.runner.run_crawl`)."""
