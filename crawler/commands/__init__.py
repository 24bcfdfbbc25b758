"""Scrapy commands of this project (COMMANDS_MODULE): `crawl` with argument checks up front."""
