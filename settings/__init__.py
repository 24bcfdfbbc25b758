"""Scrapy settings modules: default (production), test (loopback), distributed (scrapy-redis)."""
