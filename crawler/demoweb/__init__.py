"""A local multi-outlet news web (loopback only) for end-to-end tests, the offline demo and benchmarks."""

from .web import DemoWeb

__all__ = ["DemoWeb"]
