"""What happens to accounts that the audit trail (a higher app) records: sent here, received there.

``accounts`` imports no app above it, so it announces these events and
``audit.receivers`` writes them down.
"""

from django.dispatch import Signal

# account, by: a security administrator lifted a lockout after failed log-ins.
account_unlocked = Signal()
# account, by, change ("enrolled", "disabled", "reset", "backup_codes"): the second factor changed.
second_factor_changed = Signal()
# account, request, throttled: a wrong code at the log-in's second step.
second_factor_failed = Signal()
