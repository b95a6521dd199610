"""The configurator: product rules compiled to CP-SAT (pure Python, no Flask or database)."""
