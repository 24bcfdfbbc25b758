"""Downloader middlewares: raw capture to the WARC."""
