"""Text messages to citizens, behind an adapter.

``SMS_BACKEND`` names a class with ``send(phone, text)``. The default logs the
message; a real provider's backend goes in its own module with its settings
(``SMS_PROVIDER_*``). Callers never let an SMS failure undo their work.
"""

import logging
import re

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("core.sms")


class LoggingSmsBackend:
    """Development and test backend: the message goes to the log and to ``outbox``."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        self.outbox.append((phone, text))
        logger.info("SMS to %s: %s", mask_phone(phone), text)


# An 11-digit mainland mobile number, as normalize_phone() leaves it.
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def normalize_phone(value: str) -> str:
    """``+86 138-0000 1111`` -> ``13800001111``: people type numbers the way they read them."""
    # Most numbers arrive as digits already (the form normalises them once): no pattern to run then.
    value = value or ""
    digits = value if value.isdigit() else re.sub(r"[\s\-()]", "", value)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


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
        import_string(getattr(settings, "SMS_BACKEND", "core.sms.LoggingSmsBackend"))().send(phone, text)
    except Exception:
        logger.exception("SMS to %s failed", mask_phone(phone))
        return False
    return True
