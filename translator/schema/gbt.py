"""general-block-transfer (Green Book 9.3 GBT, tag 0xE0) and the reassembly of its blocks.

A long APDU (often a push too big for one HDLC frame) travels as numbered blocks; each block is a
complete GBT APDU. The schema decodes one block; ``GbtReassembler`` joins the block data of one
direction's blocks, in arrival order, into whole APDUs. Bad sequences (a missing start, a gap, a
duplicate, a message cut off by a new one, a stream that ends early) are ordinary in captures, so
they come back as results carrying an error text, never as exceptions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import construct as c

from ._core import BitFields, Counted, Struct

__all__ = ["APDUS", "BlockControl", "GeneralBlockTransfer", "GbtMessage", "GbtReassembler"]

BlockControl = BitFields(
    ("window", 0, 6),
    ("streaming", 6, 1),
    ("last_block", 7, 1),
)
"""Block-Control (Unsigned8): bits 0-5 window, bit 6 streaming, bit 7 last block."""

GeneralBlockTransfer = Struct(
    "block_control" / BlockControl,
    "block_number" / c.Int16ub,
    "block_number_ack" / c.Int16ub,
    "block_data" / Counted(c.GreedyBytes),
)
"""General-Block-Transfer: block control, block number, acknowledged block number, block data."""

APDUS: dict[int, tuple[str, c.Construct]] = {
    0xE0: ("general_block_transfer", GeneralBlockTransfer),
}
"""First octet -> (name, schema of the octets after it)."""


@dataclass(frozen=True)
class GbtMessage:
    """One finished sequence: a whole APDU (``error`` None) or a sequence that failed.

    ``data`` is the joined block data of ``block_numbers``; for a failed sequence it is what had
    been gathered, for diagnostics only.
    """

    data: bytes
    block_numbers: tuple[int, ...]
    error: str | None = None

    @property
    def complete(self) -> bool:
        return self.error is None


@dataclass
class GbtReassembler:
    """Joins the blocks of one direction, fed in arrival order, into messages.

    A message starts at block ``first_block`` (1 in every push seen so far), continues with
    consecutive numbers and ends at the block with ``last_block`` set. With ``first_block`` None
    any number may start a message, so a block that does not follow the open message cuts it off
    and starts the next one instead of being reported out of order.

    ``feed`` returns the results that block finished: none, one, or two when a new start cuts off
    an unfinished message. ``finish`` reports a message still open at the end of the input.
    """

    first_block: int | None = 1
    _numbers: list[int] = field(default_factory=list, init=False, repr=False)
    _parts: list[bytes] = field(default_factory=list, init=False, repr=False)

    def feed(self, block: Mapping[str, Any]) -> list[GbtMessage]:
        number = int(block["block_number"])
        last = bool(block["block_control"]["last_block"])
        data = bytes(block["block_data"])
        out: list[GbtMessage] = []
        if self._numbers:
            expected = self._numbers[-1] + 1
            if number == expected:
                self._add(number, data)
                if last:
                    out.append(self._close(None))
                return out
            if number in self._numbers and number != self._numbers[0]:
                out.append(self._close(f"duplicated block {number} (expected block {expected})",
                                       number, data))
                return out
            if self._starts(number):
                out.append(self._close(f"incomplete message: block {number} started a new message "
                                       f"before the last block (expected block {expected})"))
            else:
                out.append(self._close(f"block {number} out of order (expected block {expected})",
                                       number, data))
                return out
        if not self._starts(number):
            out.append(GbtMessage(data, (number,), f"block {number} without the start of its "
                                                   f"message (expected block {self.first_block})"))
            return out
        self._add(number, data)
        if last:
            out.append(self._close(None))
        return out

    def finish(self) -> list[GbtMessage]:
        """Report a message still waiting for its last block; the reassembler is then empty."""
        if not self._numbers:
            return []
        expected = self._numbers[-1] + 1
        return [self._close(f"incomplete message: input ended before the last block "
                            f"(expected block {expected})")]

    @classmethod
    def reassemble(cls, blocks: Iterable[Mapping[str, Any]], first_block: int | None = 1
                   ) -> list[GbtMessage]:
        """Every result of feeding ``blocks`` in order, then finishing."""
        self = cls(first_block)
        out: list[GbtMessage] = []
        for block in blocks:
            out.extend(self.feed(block))
        out.extend(self.finish())
        return out

    def _starts(self, number: int) -> bool:
        return self.first_block is None or number == self.first_block

    def _add(self, number: int, data: bytes) -> None:
        self._numbers.append(number)
        self._parts.append(data)

    def _close(self, error: str | None, number: int | None = None, data: bytes = b"") -> GbtMessage:
        numbers, parts = self._numbers, self._parts
        if number is not None:
            numbers, parts = numbers + [number], parts + [data]
        result = GbtMessage(b"".join(parts), tuple(numbers), error)
        self._numbers, self._parts = [], []
        return result
