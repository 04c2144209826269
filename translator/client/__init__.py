"""The live client (DESIGN section 9): sans-io link and association layers, asyncio transports.

``connect(url, settings)`` gives an async ``Client``; ``SyncClient`` the same for scripts.
"""
