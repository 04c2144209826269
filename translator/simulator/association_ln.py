"""Association LN (class 15, version 2): the object list built from the model, the partners and
the status of the association reading it.

Method 1 (reply_to_HLS_authentication) is the HLS pass 3 and is answered by the server-side
association itself, which alone knows the challenges; method 2 (change_HLS_secret) changes the
LLS/HLS secret of the running model.
"""

from __future__ import annotations

from typing import Any

from .objects import ACCESS_MODES, CosemObject, Refused, structure, tree

__all__ = ["AssociationLN"]


class AssociationLN(CosemObject):
    class_id, version, kind = 15, 2, "association_ln"
    attributes, writable, methods = (1, 2, 3, 8), (), (1, 2)

    def read(self, attribute: int, association: Any) -> dict:
        if attribute == 2:
            return tree("array", [self._entry(obj) for obj in self.model.objects.values()])
        if attribute == 3:
            client = association.client_address if association is not None else 0
            return structure(tree("integer", client), tree("long_unsigned", 1))
        if attribute == 8:
            associated = association is not None and association.state == "associated"
            return tree("enum", 2 if associated else 1)
        return super().read(attribute, association)

    @staticmethod
    def _entry(obj: CosemObject) -> dict:
        attributes = [structure(tree("integer", attr),
                                tree("enum", ACCESS_MODES[obj.access.get(attr, "read_only")]),
                                tree("null_data", None)) for attr in obj.attributes]
        methods = [structure(tree("integer", m), tree("enum", 1)) for m in obj.methods]
        return structure(tree("long_unsigned", obj.class_id), tree("unsigned", obj.version),
                         tree("octet_string", obj.logical_name),
                         structure(tree("array", attributes), tree("array", methods)))

    def call(self, method: int, parameters: dict | None, association: Any) -> dict | None:
        if method == 1:   # only during HLS, answered by the association
            raise Refused("read_write_denied")
        if parameters is None or str(parameters["tag"]) != "octet_string":
            raise Refused("type_unmatched")
        self.model.password = bytes(parameters["value"])
        return None
