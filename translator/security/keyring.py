"""Keys per system title, loaded from a TOML file or the environment (DESIGN section 3).

A DLMS key belongs to a server (and the client that talks to it), and the octets on the wire say
which one only through system titles, so keys are filed under system titles, with ``[default]``
for any title without a table of its own and for APDUs sent with an empty title.

Keys are secrets: ``Keys`` and ``Keyring`` never show them in ``repr``/``str``, and no error
raised here quotes a key or a line of the keys file, only the entry's name.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from .errors import KeyringError, describe_title
from .signing import load_private_key, load_public_key

__all__ = ["ENV_VARIABLES", "KEY_NAMES", "SYMMETRIC_KEYS", "Keyring", "Keys"]

SYMMETRIC_KEYS = ("block_cipher_key", "authentication_key", "broadcast_key", "dedicated_key",
                  "master_key")
"""AES keys: global unicast (block cipher) key, authentication key, global broadcast key,
dedicated key, master key (KEK, for key wrap)."""

KEY_NAMES = SYMMETRIC_KEYS + ("public_key", "private_key", "hls_secret")

ENV_VARIABLES = {"DLMS_BLOCK_CIPHER_KEY": "block_cipher_key",
                 "DLMS_AUTHENTICATION_KEY": "authentication_key"}
"""Environment variable -> key of ``[default]`` (``Keyring.from_env``)."""


def _secret(value: Any, what: str) -> bytes:
    """An HLS secret (mechanisms 3, 4 and 6): text as its UTF-8 octets, or octets."""
    if isinstance(value, str):
        raw = value.encode("utf-8")
    elif isinstance(value, (bytes, bytearray)):
        raw = bytes(value)
    else:
        raise KeyringError(f"{what}: expected a string, got {type(value).__name__}")
    if not raw:
        raise KeyringError(f"{what}: empty")
    return raw


def _symmetric(value: Any, what: str) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        raw = bytes(value)
    elif isinstance(value, str):
        cleaned = "".join(value.split())
        if cleaned[:2].lower() == "0x":
            cleaned = cleaned[2:]
        try:
            raw = bytes.fromhex(cleaned)
        except ValueError:
            raise KeyringError(f"{what}: not hex") from None
    else:
        raise KeyringError(f"{what}: expected a hex string, got {type(value).__name__}")
    if len(raw) not in (16, 32):
        raise KeyringError(f"{what}: an AES key has 16 or 32 octets, got {len(raw)}")
    return raw


@dataclass(frozen=True, eq=True, repr=False)
class Keys:
    """The keys known for one system title (any may be None).

    Symmetric keys are bytes (hex strings are accepted and converted); ``public_key`` and
    ``private_key`` are P-256/P-384 keys (PEM, or hex of x || y / of the scalar, accepted).
    """

    block_cipher_key: bytes | None = None
    authentication_key: bytes | None = None
    broadcast_key: bytes | None = None
    dedicated_key: bytes | None = None
    master_key: bytes | None = None
    public_key: ec.EllipticCurvePublicKey | None = None
    private_key: ec.EllipticCurvePrivateKey | None = None
    hls_secret: bytes | None = None     # HLS mechanisms 3, 4, 6 (MD5, SHA-1, SHA-256)
    where: str = field(default="keys", compare=False)   # names the source in error messages

    def __post_init__(self) -> None:
        for name in SYMMETRIC_KEYS:
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, _symmetric(value, f"{self.where}: {name}"))
        if self.public_key is not None:
            object.__setattr__(self, "public_key",
                               load_public_key(self.public_key, f"{self.where}: public_key"))
        if self.private_key is not None:
            object.__setattr__(self, "private_key",
                               load_private_key(self.private_key, f"{self.where}: private_key"))
        if self.hls_secret is not None:
            object.__setattr__(self, "hls_secret",
                               _secret(self.hls_secret, f"{self.where}: hls_secret"))

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any], where: str = "keys") -> Keys:
        """Keys from a TOML table; an unknown name is an error (a typo must not go unnoticed)."""
        unknown = sorted(set(table) - set(KEY_NAMES))
        if unknown:
            raise KeyringError(f"{where}: unknown key name(s) {', '.join(unknown)} "
                               f"(known: {', '.join(KEY_NAMES)})")
        return cls(**{name: table[name] for name in KEY_NAMES if name in table}, where=where)

    def present(self) -> list[str]:
        """Names of the keys that are set (safe to show)."""
        return [f.name for f in fields(self) if f.name != "where" and getattr(self, f.name)
                is not None]

    def __bool__(self) -> bool:
        return bool(self.present())

    def __repr__(self) -> str:
        return f"Keys({', '.join(self.present()) or 'none'})"

    __str__ = __repr__


_EMPTY = Keys()


class Keyring:
    """Keys per system title plus ``[default]``; see ``load`` for the file format."""

    def __init__(self, default: Keys | None = None,
                 titles: Mapping[bytes | str, Keys] | None = None) -> None:
        self.default = default if default is not None else _EMPTY
        self._titles: dict[bytes, Keys] = {}
        for title, keys in (titles or {}).items():
            self._titles[_title(title)] = keys

    # -- lookup ------------------------------------------------------------------------------
    def table(self, system_title: bytes | None) -> Keys | None:
        """The table of exactly this system title, or None (no ``[default]`` fallback)."""
        if not system_title:
            return None
        return self._titles.get(bytes(system_title))

    def for_title(self, system_title: bytes | None) -> Keys:
        """The keys of ``system_title``: its own table, else ``[default]`` (also for empty titles)."""
        return self.table(system_title) or self.default

    def lookup(self, *system_titles: bytes | None) -> Keys:
        """The table of the first of ``system_titles`` that has one, else ``[default]``.

        Symmetric keys are shared by the two ends of an association, so an APDU's keys may be
        filed under its sender's or its peer's title: callers pass both, sender first.
        """
        if self._titles:  # a ring of [default] alone (the usual case) looks nothing up
            for title in system_titles:
                keys = self.table(title)
                if keys is not None:
                    return keys
        return self.default

    @property
    def system_titles(self) -> list[bytes]:
        return list(self._titles)

    def __bool__(self) -> bool:
        return bool(self.default) or any(self._titles.values())

    def __repr__(self) -> str:
        titles = ", ".join(f"{describe_title(t)}: {k!r}" for t, k in self._titles.items())
        return f"Keyring(default={self.default!r}" + (f", {titles}" if titles else "") + ")"

    __str__ = __repr__

    # -- loading -----------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | os.PathLike) -> Keyring:
        """Read a keys file::

            [default]                          # any system title without a table, and empty ones
            block_cipher_key = "000102030405060708090A0B0C0D0E0F"
            authentication_key = "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF"

            [system_title.4D4D4D0000BC614E]    # hex system title
            block_cipher_key = "..."           # also broadcast_key, dedicated_key, master_key,
                                               # public_key, private_key (PEM or hex),
                                               # hls_secret (text, HLS mechanisms 3, 4, 6)
        """
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as e:
            raise KeyringError(f"keys file {path}: cannot be read ({e.strerror})") from None
        except UnicodeDecodeError:
            raise KeyringError(f"keys file {path}: not UTF-8 text") from None
        return cls.loads(text, where=f"keys file {path}")

    @classmethod
    def loads(cls, text: str, where: str = "keys") -> Keyring:
        """``load`` from a string."""
        try:
            document = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            # Only the position: the parser's message could one day quote the offending text.
            at = re.search(r"\(at [^)]*\)", str(e))
            raise KeyringError(f"{where}: not valid TOML {at.group(0) if at else ''}".rstrip()) \
                from None
        return cls.from_mapping(document, where)

    @classmethod
    def from_mapping(cls, document: Mapping[str, Any], where: str = "keys") -> Keyring:
        """A keyring from the parsed TOML document (``default`` and ``system_title`` tables)."""
        unknown = sorted(set(document) - {"default", "system_title"})
        if unknown:
            raise KeyringError(f"{where}: unknown table(s) {', '.join(unknown)} "
                               "(expected [default] and [system_title.<hex>])")
        default = document.get("default", {})
        if not isinstance(default, Mapping):
            raise KeyringError(f"{where}: [default] must be a table")
        titles_doc = document.get("system_title", {})
        if not isinstance(titles_doc, Mapping):
            raise KeyringError(f"{where}: [system_title] must hold tables [system_title.<hex>]")
        titles: dict[bytes, Keys] = {}
        for name, table in titles_doc.items():
            if not isinstance(table, Mapping):
                raise KeyringError(f"{where}: system_title.{name} must be a table")
            title = _title(name, f"{where}: [system_title.{name}]")
            titles[title] = Keys.from_mapping(table, f"{where}: [system_title.{name}]")
        return cls(Keys.from_mapping(default, f"{where}: [default]") if default else None, titles)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Keyring:
        """``[default]`` from DLMS_BLOCK_CIPHER_KEY and DLMS_AUTHENTICATION_KEY (empty if unset)."""
        environ = os.environ if environ is None else environ
        table = {key: environ[var] for var, key in ENV_VARIABLES.items() if environ.get(var)}
        if not table:
            return cls()
        return cls(Keys(**table, where="environment"))


def _title(value: bytes | str, what: str = "system title") -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    cleaned = "".join(str(value).split())
    try:
        raw = bytes.fromhex(cleaned)
    except ValueError:
        raise KeyringError(f"{what}: a system title is hex") from None
    if not raw:
        raise KeyringError(f"{what}: empty system title (use [default])")
    return raw
