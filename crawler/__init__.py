"""The Scrapy project: spiders, items, downloader middlewares, item pipelines, extensions."""

__version__ = "0.1.0"
