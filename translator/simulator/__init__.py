"""The meter simulator (``dlms simulate``): the toolkit's schemas and security on the meter side.

``load_model`` reads an object model (TOML), ``ServerAssociation`` answers one client sans-io,
``ServerHdlcLink`` / ``ServerWrapperLink`` frame it, ``Simulator`` serves them over asyncio.
"""

from .association import ServerAssociation, ServerSettings
from .hdlc import ServerHdlcLink
from .model import Model, ModelError, load_model
from .server import LinkOptions, Simulator
from .wrapper import ServerWrapperLink

__all__ = [
    "LinkOptions", "Model", "ModelError", "ServerAssociation", "ServerHdlcLink",
    "ServerSettings", "ServerWrapperLink", "Simulator", "load_model",
]
