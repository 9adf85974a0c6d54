"""The Scrapy spider: ``portal`` (:mod:`crawler.spiders.portal`), any portal, its CMS family
recognised page by page (:mod:`crawler.platforms`)."""
