"""Modal screens: help, keys, export."""
