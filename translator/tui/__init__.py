"""``dlms tui``: a Textual inspector for captures and live sessions, DESIGN section 11.

The only package that imports Textual (a test holds every other module to it). Modules without
Textual: ``rows`` (the list's index and decoding a row again), ``source`` (where rows come from),
``filtering`` (the filter box's language), ``layout`` (tree layers, hex sections, spans to
octets), ``export``; for live sessions ``octets`` (live octets -> capture records),
``commands`` (the palette's language), ``live`` (the ``--connect`` session), ``proxy`` (the
``--proxy`` relay). With Textual: ``app``, ``live_app``, ``widgets/*``, ``screens/*``; ``cli``
imports it only when the command runs.
"""
