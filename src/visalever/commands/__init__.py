"""CLI command modules: each exposes `register(app)` and owns the commands of one domain."""
