"""Where records go: each destination is a ``logging.Handler`` with its own level and format."""
