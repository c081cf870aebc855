"""Text messages to citizens, behind an adapter.

``SMS_BACKEND`` names a class with ``send(phone, text)``. The default logs the
message; a real provider's backend goes in its own module with its settings
(``SMS_PROVIDER_*``). Callers never let an SMS failure undo their work.
"""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("liaison.sms")


class LoggingSmsBackend:
    """Development and test backend: the message goes to the log and to ``outbox``."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        self.outbox.append((phone, text))
        logger.info("SMS to %s: %s", mask_phone(phone), text)


def mask_phone(phone: str) -> str:
    """138****1234: enough to recognise one's own number, not enough to call it."""
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"


def send_sms(phone: str, text: str) -> bool:
    """Send, and report failure in the log instead of raising."""
    try:
        import_string(getattr(settings, "SMS_BACKEND", "liaison.sms.LoggingSmsBackend"))().send(phone, text)
    except Exception:
        logger.exception("SMS to %s failed", mask_phone(phone))
        return False
    return True
