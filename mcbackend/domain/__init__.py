"""Pure-Python business rules. Imports nothing from Flask, SQLAlchemy or OR-Tools."""
