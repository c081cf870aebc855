"""The Celery application, shared by the web process, the worker and beat.

With no broker server configured the portal uses kombu's filesystem transport
through :class:`AtomicFilesystemTransport`. The stock transport creates a
message file and only then writes it, so a worker polling at that moment reads
an empty file and dies with ``JSONDecodeError`` (kombu issue #1551). Ours
writes under a temporary name the reader ignores and renames it into place.
"""

import os
import uuid
from pathlib import Path
from time import monotonic

from celery import Celery
from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liaison.settings.local")


class AtomicFilesystemChannel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        # The reader matches names ending exactly in ".<queue>.msg"; ".tmp" is skipped.
        temporary = final + ".tmp"
        try:
            with open(temporary, "wb") as f:
                f.write(str_to_bytes(dumps(payload)))
            os.replace(temporary, final)
        except OSError as exc:
            raise filesystem.ChannelError(f"Cannot add file {final!r} to directory") from exc


class AtomicFilesystemTransport(filesystem.Transport):
    Channel = AtomicFilesystemChannel

    def __init__(self, client, **kwargs):
        options = client.transport_options or {}
        # The transport raises FileNotFoundError on missing folders; make them first.
        for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
            if options.get(key):
                Path(options[key]).mkdir(parents=True, exist_ok=True)
        super().__init__(client, **kwargs)


TRANSPORT_ALIASES["liaisonfs"] = "liaison.celery:AtomicFilesystemTransport"

app = Celery("liaison")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Each app's tasks module; the suggestions app's areas register theirs from its AppConfig.ready().
app.autodiscover_tasks()

