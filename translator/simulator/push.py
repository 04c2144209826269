"""``[push]``: a DataNotification of the listed attributes sent on a timer to a destination.

Each push opens a TCP connection to ``destination``, sends one DataNotification (in a wrapper
frame, or an HDLC UI frame with ``framing = "hdlc"``), and closes it, as a meter's push setup
with a TCP destination does. With ``--sc`` the notification is protected with general-glo-
ciphering under the meter's system title. A destination that is down is retried next time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from ..client.counters import InvocationCounter
from ..client.views import date_time_octets
from ..schema._core import build
from ..schema.apdu import Apdu
from ..schema.hdlc import address_container, build_frame
from ..schema.llc import LLC_RESPONSE
from ..schema.wrapper import WrapperFrame
from ..security import protect

__all__ = ["notification", "pusher"]

log = logging.getLogger("translator.simulator")


def notification(model: Any, number: int) -> bytes:
    """The DataNotification APDU of the ``[push]`` objects, now."""
    push = model.push
    values = [obj.read(attr, None) for obj, attr in push.columns]
    return build(Apdu, {"tag": "data_notification", "body": {
        "long_invoke_id_and_priority": number & 0x00FFFFFF,
        "date_time": {"tagged": False, "value": date_time_octets(model.now())},
        "notification_body": {"data_value": {"tag": "structure", "value": values}}}}, "apdu")


def framed(apdu: bytes, framing: str) -> bytes:
    if framing == "hdlc":
        return build_frame("ui", address_container(1, 0x10), address_container(2, upper=1,
                                                                                lower=17),
                           pf=False, information=LLC_RESPONSE + apdu)
    return build(WrapperFrame, {"source_wport": 1, "destination_wport": 0x10, "length": None,
                                "apdu": apdu}, "wrapper")


async def pusher(model: Any, settings: Any, counter: InvocationCounter | None = None) -> None:
    """Push forever, every ``interval`` seconds; ``counter`` is the meter's (shared with its
    associations, so no invocation counter is used twice)."""
    push = model.push
    counter = counter or InvocationCounter(settings.invocation_counter)
    number = 0
    while True:
        await asyncio.sleep(push.interval)
        number += 1
        apdu = notification(model, number)
        keys = settings.keys if settings.keys is not None else model.keys
        if settings.security_control is not None and keys is not None:
            apdu = protect(apdu, settings.security_control,
                           settings.system_title or model.system_title,
                           counter.take(), keys, "general-glo")
        try:
            _, writer = await asyncio.wait_for(
                asyncio.open_connection(push.host, push.port), 5)
        except (OSError, TimeoutError) as e:
            log.info("simulator: push to %s:%s failed (%s)", push.host, push.port,
                     e.__class__.__name__)
            continue
        writer.write(framed(apdu, push.framing))
        with contextlib.suppress(OSError):
            await writer.drain()
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
