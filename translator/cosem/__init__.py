"""COSEM object model helpers: OBIS codes (logical names) and, later, classes and value rendering."""

from .obis import ObisCode

__all__ = ["ObisCode"]
