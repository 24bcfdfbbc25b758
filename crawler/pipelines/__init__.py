"""Item pipelines: extraction (in worker processes), then the archive index."""
