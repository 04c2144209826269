"""The device's management objects: Security setup (64), Image transfer (18) and Disconnect
control (70), with the methods a simulator can honour (security activate, the image transfer
steps without a real image, remote disconnect and reconnect)."""

from __future__ import annotations

from typing import Any

from ..client.values import data_tree
from .objects import CosemObject, Refused, plain_tag, structure, tree
from .tables import Table

__all__ = ["DisconnectControl", "ImageTransfer", "SecuritySetup"]


class SecuritySetup(CosemObject):
    class_id, version, kind = 64, 1, "security_setup"
    attributes, writable, methods = (1, 2, 3, 4, 5), (), (1,)

    def configure(self, table: Table) -> None:
        self.values[2] = tree("enum", table.take("security_policy", int, 0))
        self.values[3] = tree("enum", table.take("security_suite", int, 0))

    def read(self, attribute: int, association: Any) -> dict:
        if attribute == 4:
            return tree("octet_string", association.client_system_title or b"")
        if attribute == 5:
            return tree("octet_string", self.model.system_title)
        return super().read(attribute, association)

    def call(self, method: int, parameters: dict | None, association: Any) -> dict | None:
        if parameters is None or plain_tag(parameters) != "enum":
            raise Refused("type_unmatched")
        self.values[2] = tree("enum", int(parameters["value"]))   # security_activate
        return None


class ImageTransfer(CosemObject):
    """Image transfer steps: initiate, block transfer, verify, activate (no real image)."""

    class_id, kind = 18, "image_transfer"
    attributes, writable, methods = (1, 2, 3, 4, 5, 6, 7), (5,), (1, 2, 3, 4)

    def configure(self, table: Table) -> None:
        self.block_size = table.take("image_block_size", int, 192)
        self.values[2] = tree("double_long_unsigned", self.block_size)
        self.values[5] = tree("boolean", 1)
        self._reset(b"", 0)

    def _reset(self, identifier: bytes, size: int) -> None:
        self.identifier, self.size = identifier, size
        self.blocks: dict[int, bytes] = {}
        self.status = 1 if identifier else 0   # 1 image transfer initiated

    def read(self, attribute: int, association: Any) -> dict:
        count = -(-self.size // self.block_size) if self.size else 0
        if attribute == 3:
            bits = "".join("1" if n in self.blocks else "0" for n in range(count))
            return data_tree({"bit_string": bits})
        if attribute == 4:
            missing = [n for n in range(count) if n not in self.blocks]
            return tree("double_long_unsigned", missing[0] if missing else count)
        if attribute == 6:
            return tree("enum", self.status)
        if attribute == 7:
            items = [] if not self.identifier else [structure(
                tree("double_long_unsigned", self.size), tree("octet_string", self.identifier),
                tree("octet_string", b""))]
            return tree("array", items)
        return super().read(attribute, association)

    def call(self, method: int, parameters: dict | None, association: Any) -> dict | None:
        if method in (1, 2):
            if (parameters is None or plain_tag(parameters) != "structure"
                    or len(parameters["value"]) != 2):
                raise Refused("type_unmatched")
            first, second = parameters["value"]
            if method == 1:
                self._reset(bytes(first["value"]), int(second["value"]))
                return None
            if not self.identifier:
                raise Refused("temporary_failure")
            self.blocks[int(first["value"])] = bytes(second["value"])
            self.status = 2 if len(self.blocks) * self.block_size < self.size else 1
            return None
        if method == 3:   # verify
            complete = sum(map(len, self.blocks.values())) >= self.size > 0
            self.status = 3 if complete else 4   # verification successful / failed
            if not complete:
                raise Refused("other_reason")
            return None
        if self.status not in (3, 6):   # activate needs a verified image
            raise Refused("temporary_failure")
        self.status = 6   # activation successful
        return None


class DisconnectControl(CosemObject):
    class_id, kind = 70, "disconnect_control"
    attributes, writable, methods = (1, 2, 3, 4), (4,), (1, 2)

    def configure(self, table: Table) -> None:
        connected = table.take("connected", bool, True)
        self.values[2] = tree("boolean", 1 if connected else 0)
        self.values[3] = tree("enum", 1 if connected else 0)
        self.values[4] = tree("enum", table.take("control_mode", int, 1))

    def call(self, method: int, parameters: dict | None, association: Any) -> dict | None:
        connect = method == 2
        self.values[2] = tree("boolean", 1 if connect else 0)
        self.values[3] = tree("enum", 1 if connect else 0)
        return None
