"""``manage.py create_admin_duty USERNAME --duty system|security|audit``: the three duty accounts at installation.

Run on the server by whoever installs the portal (the same trust as ``createsuperuser``).
A new account gets the password typed twice (or ADMIN_DUTY_PASSWORD with --no-input),
checked against the password policy, and must choose its own at the first log-in, where it
also sets up two-step verification. An existing account may be given a duty if it is no
superuser and holds no business role.
"""

import getpass
import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import translation

from accounts import services
from accounts.models import AdminDuty


class Command(BaseCommand):
    help = "Create an account with an administrator duty (system, security or audit), or give one to an account."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--duty", required=True, choices=AdminDuty.values)
        parser.add_argument("--full-name", default="")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Read a new account's password from the ADMIN_DUTY_PASSWORD environment variable.",
        )

    def handle(self, *args, **options):
        # The policy's messages in the portal's language, as the log-in pages give them.
        with translation.override(settings.LANGUAGE_CODE):
            self._handle(**options)

    def _handle(self, *, username, duty, full_name, email, interactive, **options):
        users = get_user_model()
        account = users.objects.filter(username=username).first()
        created = account is None
        with transaction.atomic():
            if created:
                account = users(username=username, full_name=full_name, email=email)
                account.set_password(self._password(account, interactive))
                account.must_change_password = True
                account.save()
            try:
                services.admin_duty_assign(account=account, duty=duty, by=None)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from error
        label = AdminDuty(duty).label
        verb = "Created" if created else "Updated"
        self.stdout.write(self.style.SUCCESS(f"{verb} {username}: {label}."))
        self.stdout.write(
            "At the first log-in the account sets up two-step verification"
            + (" and chooses its own password." if created else ".")
        )

    def _password(self, account, interactive: bool) -> str:
        if not interactive:
            password = os.environ.get("ADMIN_DUTY_PASSWORD", "")
            if not password:
                raise CommandError("With --no-input, set ADMIN_DUTY_PASSWORD.")
            self._validate(password, account)
            return password
        while True:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                self.stderr.write("The two passwords differ.")
                continue
            try:
                self._validate(password, account)
            except CommandError as error:
                self.stderr.write(str(error))
                continue
            return password

    def _validate(self, password: str, account) -> None:
        try:
            validate_password(password, account)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
