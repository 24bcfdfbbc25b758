"""Crawler extensions: the archive session and the per-site summary."""
