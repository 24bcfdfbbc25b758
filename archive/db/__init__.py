"""Database layer: typed models, engines and migrations, the batched index."""
