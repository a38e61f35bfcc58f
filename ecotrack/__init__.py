"""ecotrack: the accountability tracker for a district's yearly ecological-construction plan."""

__version__ = "0.1.0"
