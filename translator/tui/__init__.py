"""``dlms tui``: a Textual inspector for captures (and, next, live sessions), DESIGN section 11.

The only package that imports Textual (a test holds every other module to it). Modules without
Textual: ``rows`` (the list's index and decoding a row again), ``source`` (where rows come from),
``filtering`` (the filter box's language), ``layout`` (tree layers, hex sections, spans to
octets), ``export``. With Textual: ``app``, ``widgets/*``, ``screens/*``; ``cli`` imports it only
when the command runs.
"""
