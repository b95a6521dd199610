"""mcbackend: the order-to-production backend for mass-customization manufacturers."""

__version__ = "0.1.0"
