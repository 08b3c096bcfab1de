"""kombu's filesystem transport (the embedded broker) without its two ways to stop the worker.

kombu 5.7 creates a message file under its final name and then writes it, while a worker in another
process moves and reads every file with the queue's name at once and without a lock: a worker that
picks the file up between the two reads an empty message, and the JSON error is "unrecoverable", so the
worker and with it the whole embedded portal stop (seen under load with beat fanning out order syncs).
Here a message is written under a name no queue matches and renamed into place when complete (a rename
is atomic on one file system), and a message that still cannot be read is logged and skipped (kombu
issue #1551: an empty or corrupt message file ends the consumer).
"""

from __future__ import annotations

import logging
import os
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

logger = logging.getLogger("smartship.broker")
PARTIAL = ".part"  # _get takes only names ending in ".<queue>.msg"


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = final + PARTIAL
        try:
            with open(partial, "wb") as f:
                f.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc

    def _get(self, queue):
        while True:  # super() raises Empty once no message of the queue is left
            try:
                return super()._get(queue)
            except ValueError:
                logger.error("dropped an unreadable message of queue %s (not JSON)", queue)


class Transport(filesystem.Transport):
    Channel = Channel
