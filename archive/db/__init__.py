"""Database layer: typed models and rows, engines and migrations, the index writer, per-engine code."""
