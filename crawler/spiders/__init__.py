"""Spiders: `topic` (discover and archive a topic's coverage)."""
