"""The Scrapy project: spiders, items, downloader middlewares, item pipelines, extensions."""

__version__ = "0.1.0"


def user_agent(contact: str) -> str:
    """The crawler's identifying User-Agent, naming the operator's contact."""
    return f"news-archive/{__version__} (+{contact})"
