"""Performance figures, printed; never asserted in a timed test.

    python manage.py bench pages [--requests 200]
    python manage.py bench sweep [--assignments 200000] [--due-percent 5] [--keep]

``pages`` times the portal's pages in-process (middleware, views, templates and
queries; no network) on whatever data the database holds, and prints p50 / p95
server time and the query count of each. Run it after ``seed_demo`` or a generator.

``dashboard`` times the committee dashboard (whole city, a year, one county) and a
station's dashboard on the ``bench_data`` set; ``export`` writes the 意见建议办理簿 of
``--rows`` suggestions to XLSX as the background export does, and prints the time and
the peak resident memory of the process.

``crypto`` times what encrypting names and phone numbers adds to a citizen's
submission: the AES-GCM sealing and the keyed hash on their own, and the row the
one-statement insert builds (``suggestions.intake.fast_write._Columns``) with the
encrypted fields prepared against the same row with them passed as plain text,
as before encryption. ``--instructions`` also counts CPU instructions per
submission under valgrind's callgrind (a few minutes; the machine's counters are
not available in a virtual machine).

``sweep`` (PostgreSQL only) builds its own open assignments under the region
"基准督办市", a share of them due for a reminder, an escalation or an
accept-overdue notice today, and times the deadline sweep: a first run, a second
that must make nothing, and two at once on a fresh due set that must make nothing
twice. It removes its data afterwards unless ``--keep`` is given.
"""

import argparse
import datetime as dt
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from unittest import mock

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import workdays
from representatives.models import Representative
from stations.models import Region, Station
from suggestions.loop import supervision
from suggestions.models import Assignment, Event, HandlingUnit, Notification, Stage, Suggestion, Supervision


class Command(BaseCommand):
    help = "Print server-time percentiles and query counts of the portal's pages."

    def add_arguments(self, parser):
        parser.add_argument("suite", choices=["pages", "list", "sweep", "dashboard", "export", "crypto"])
        parser.add_argument("--rounds", type=int, default=20_000, help="crypto: operations per figure")
        parser.add_argument("--instructions", action="store_true", help="crypto: count instructions (callgrind)")
        parser.add_argument("--child", default="", help=argparse.SUPPRESS)
        parser.add_argument("--rows", type=int, default=100_000, help="export: suggestions to write")
        parser.add_argument("--requests", type=int, default=200)
        parser.add_argument("--assignments", type=int, default=200_000, help="sweep: open assignments to build")
        parser.add_argument("--due-percent", type=float, default=5.0, help="sweep: share of them due today")
        parser.add_argument("--keep", action="store_true", help="sweep: leave the data in the database")

    def handle(self, *args, suite, requests, **options):
        if suite == "list":
            return self._list(requests)
        if suite == "dashboard":
            return self._dashboard(requests)
        if suite == "export":
            return self._export(options["rows"])
        if suite == "crypto":
            bench = CryptoBench(self.stdout)
            if options["child"]:
                return bench.child(options["child"], options["rounds"])
            return bench.run(options["rounds"], instructions=options["instructions"])
        if suite == "sweep":
            return SweepBench(self.stdout).run(
                assignments=options["assignments"], due_percent=options["due_percent"], keep=options["keep"]
            )
        station = Station.objects.annotate(n=Count("residencies")).order_by("-n").first()
        rep = Representative.objects.order_by("id").first()
        if station is None or rep is None:
            raise CommandError("No data: run `manage.py seed_demo` first.")
        anonymous = Client()
        staff = Client()
        admin = get_user_model().objects.filter(committee_regions__isnull=False).order_by("id").first()
        if admin is not None:
            staff.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
        pages = [
            ("directory", anonymous, "/stations/"),
            ("directory, searched", anonymous, "/stations/?q=%E4%BA%A7%E4%B8%9A"),
            (f"station page ({station.residencies.count()} residents)", anonymous, station.get_absolute_url()),
            ("representative profile", anonymous, rep.get_absolute_url()),
            ("station QR (PNG)", anonymous, f"/s/{station.code}/qr.png"),
        ]
        if admin is not None:
            pages += [
                ("representatives list (committee admin)", staff, "/representatives/"),
                ("my stations (committee admin)", staff, "/stations/manage/"),
            ]
        self._run(pages, requests)

    def _list(self, requests):
        """The staff suggestion list at the data's size (see ``bench_data``)."""
        from suggestions.models import Suggestion

        users = get_user_model().objects
        admin, staff = users.filter(username="bench_admin").first(), users.filter(username="bench_staff").first()
        if admin is None or staff is None:
            raise CommandError("Run `manage.py bench_data` first.")
        total = Suggestion.objects.count()
        self.stdout.write(f"{total} suggestions in the database")
        pages = []
        for label, user in (("committee admin (whole city)", admin), ("station staff (one station)", staff)):
            client = Client()
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
            pages += [
                (f"list, first page: {label}", client, "/suggestions/"),
                (f"list, page 50: {label}", client, "/suggestions/?page=50"),
                (f"list, filtered by stage: {label}", client, "/suggestions/?stage=assign"),
                (f"list, search 电梯: {label}", client, "/suggestions/?q=%E7%94%B5%E6%A2%AF"),
            ]
        self._run(pages, requests)

    def _bench_users(self):
        users = get_user_model().objects
        admin, staff = users.filter(username="bench_admin").first(), users.filter(username="bench_staff").first()
        if admin is None or staff is None:
            raise CommandError("Run `manage.py bench_data` first.")
        return admin, staff

    def _dashboard(self, requests):
        """The committee dashboard and a station's dashboard at the data's size."""
        admin, staff = self._bench_users()
        self.stdout.write(f"{Suggestion.objects.count()} suggestions, {Assignment.objects.count()} assignments")
        county = Region.objects.filter(parent__name="基准市").order_by("pk").first()
        station = staff.staff_stations.first()
        admin_client, staff_client = Client(), Client()
        admin_client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
        staff_client.force_login(staff, backend="django.contrib.auth.backends.ModelBackend")
        views = [
            ("whole city, all time", "/dashboard/?"),
            ("whole city, this year", "/dashboard/?period=year&"),
            ("one county", f"/dashboard/?region={county.pk}&"),
        ]
        pages = [
            (f"committee dashboard, {label}, counted afresh", admin_client, url + "refresh=1") for label, url in views
        ]
        pages += [(f"committee dashboard, {label}, counted figures kept", admin_client, url) for label, url in views]
        pages.append(("station dashboard (station staff)", staff_client, f"/stations/{station.code}/dashboard/"))
        year = timezone.localdate().year
        pages.append(
            ("performance ranking, this year, counted afresh", admin_client, f"/performance/?period={year}&refresh=1")
        )
        pages.append(
            ("performance ranking, this year, counted scores kept", admin_client, f"/performance/?period={year}")
        )
        self._run(pages, requests)

    def _export(self, rows: int):
        """The suggestions register of ``rows`` items written to XLSX, as the Celery export writes it."""
        import resource
        import tempfile

        from oversight import exports, registers

        admin, _staff = self._bench_users()
        register = registers.get_register("suggestions")
        scope = registers.register_scope(admin)
        total = min(rows, register.count(scope))
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        start = time.perf_counter()
        with tempfile.TemporaryFile() as handle:
            written = exports.write_xlsx(register, admin, scope, handle, limit=total)
            size = handle.tell()
        elapsed = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(
            f"wrote {written} rows ({size / 1e6:.1f} MB XLSX) in {elapsed:.1f} s; "
            f"peak resident memory of the process {after:.0f} MB (before the export {before:.0f} MB)"
        )

    def _run(self, pages, requests):
        self.stdout.write(f"{'page':58} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
        for name, client, url in pages:
            timings, queries = [], 0
            for _ in range(requests):
                with CaptureQueriesContext(connection) as captured:
                    start = time.perf_counter()
                    response = client.get(url)
                    timings.append((time.perf_counter() - start) * 1000)
                if response.status_code != 200:
                    raise CommandError(f"{url} answered {response.status_code}")
                queries = len(captured)
            timings.sort()
            p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
            self.stdout.write(f"{name:58} {statistics.median(timings):8.1f} {p95:8.1f} {queries:8d}")


# Encryption of personal data on the submission path ------------------------------------------

CRYPTO_PHONE = "13912345678"
CRYPTO_NAME = "王秀英"


class CryptoBench:
    """``bench crypto``: the cost of sealing a citizen's name and number, per operation and per submission."""

    CASES = {
        "contact, encrypted": (True, True),
        "contact, as before (plain)": (True, False),
        "anonymous, encrypted": (False, True),
        "anonymous, as before (plain)": (False, False),
    }

    def __init__(self, stdout):
        self.stdout = stdout

    def _values(self, contact: bool) -> dict:
        return {
            "station_id": 1,
            "region_id": 1,
            "channel": "qr_station",
            "title": "小区门口道路破损严重，雨天积水",
            "content": "小区门口道路破损严重，雨天积水，老人孩子出行不便，希望尽快修复。",
            "received_at": timezone.now(),
            "category_id": None,
            "representative_id": None,
            "location": "",
            "is_enterprise": False,
            "enterprise_name": "",
            "submitter_name": CRYPTO_NAME if contact else "",
            "submitter_phone": CRYPTO_PHONE if contact else "",
            "consent_version": "2026-12" if contact else "",
            "consent_at": timezone.now() if contact else None,
            "visit_id": None,
            "idempotency_key": "4f6c2a4e-52a5-4c1e-9a53-0d3b8a7e1f00",
            "created_by_id": None,
        }

    def _submission(self, contact: bool, encrypted: bool):
        """One submission's share of the work that encryption touches: the hashes and the row's preparation."""
        from core import crypto
        from suggestions.intake.fast_write import _Columns

        columns = _Columns(Suggestion)
        if not encrypted:
            # The row as it was built before: name and number passed through as plain text, no hash.
            columns.plan = [
                (f, n, a, how, ready, frozenset({str, type(None)}) if f.name.startswith("submitter_") else plain)
                for f, n, a, how, ready, plain in columns.plan
            ]
        values = self._values(contact)
        now = timezone.now()
        db = connection

        def once():
            row_values = dict(values)
            if encrypted:
                phone = row_values["submitter_phone"]
                if phone:
                    crypto.phone_digest(phone)  # the per-number rate limit, in the view
                row_values["submitter_phone_hash"] = crypto.phone_digest(phone)  # the column, in the service
            columns.row(row_values, now, db)

        return once

    def _ops(self) -> dict:
        from core import crypto

        context = b"suggestions.suggestion.submitter_phone"
        sealed = crypto.encrypt(CRYPTO_PHONE, context)
        ops = {
            "encrypt a phone number (AES-256-GCM)": lambda: crypto.encrypt(CRYPTO_PHONE, context),
            "encrypt a name": lambda: crypto.encrypt(CRYPTO_NAME, context),
            "decrypt a phone number": lambda: crypto.decrypt(sealed, context),
            "keyed hash of a phone number": lambda: crypto.phone_digest(CRYPTO_PHONE),
        }
        for label, (contact, encrypted) in self.CASES.items():
            ops[f"submission row, {label}"] = self._submission(contact, encrypted)
        return ops

    def run(self, rounds: int, *, instructions: bool):
        ops = self._ops()
        timings = {}
        self.stdout.write(f"{'operation':56} {'µs/op':>8}")
        for label, op in ops.items():
            best = float("inf")
            for _ in range(5):
                start = time.perf_counter()
                for _ in range(rounds):
                    op()
                best = min(best, (time.perf_counter() - start) / rounds * 1e6)
            timings[label] = best
            self.stdout.write(f"{label:56} {best:8.2f}")
        added = timings["submission row, contact, encrypted"] - timings["submission row, contact, as before (plain)"]
        anonymous = (
            timings["submission row, anonymous, encrypted"] - timings["submission row, anonymous, as before (plain)"]
        )
        self.stdout.write(f"added per submission with name and number: {added:.1f} µs")
        self.stdout.write(f"added per anonymous submission: {anonymous:.1f} µs")
        if instructions:
            self._instructions(min(rounds, 5_000))

    def child(self, label: str, rounds: int):
        op = self._ops()[label]  # built in the empty run too: only the rounds differ
        for _ in range(rounds):
            op()

    def _instructions(self, rounds: int):
        if not shutil.which("valgrind"):
            raise CommandError("--instructions needs valgrind (apt-get install valgrind).")

        def count(label: str, n: int) -> int:
            command = [
                "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                sys.executable, sys.argv[0], "bench", "crypto", "--child", label, "--rounds", str(n),
            ]  # fmt: skip
            env = {**os.environ, "PYTHONHASHSEED": "0"}
            result = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
            return int(re.search(r"Collected : (\d+)", result.stderr).group(1))

        self.stdout.write(f"instructions per operation (callgrind, {rounds} rounds less an empty run):")
        labels = [f"submission row, {label}" for label in self.CASES] + ["encrypt a phone number (AES-256-GCM)"]
        base = count(labels[0], 0)
        counted = {}
        for label in labels:
            counted[label] = (count(label, rounds) - base) / rounds
            self.stdout.write(f"  {label:54} {counted[label]:10,.0f}")
        with_contact = counted[labels[0]] - counted[labels[1]]
        anonymous = counted[labels[2]] - counted[labels[3]]
        self.stdout.write(f"added per submission with name and number: {with_contact:,.0f} instructions")
        self.stdout.write(f"added per anonymous submission: {anonymous:,.0f} instructions")


# The deadline sweep ------------------------------------------------------------------

SWEEP_CITY = "基准督办市"
SWEEP_USERS = "bench_sweep_"


class SweepBench:
    """``bench sweep``: the deadline sweep on a large table of open assignments."""

    def __init__(self, stdout):
        self.stdout = stdout

    def run(self, *, assignments: int, due_percent: float, keep: bool):
        if connection.vendor != "postgresql":
            raise CommandError(
                "The sweep benchmark measures PostgreSQL (row locks, ON CONFLICT, SKIP LOCKED); "
                "run it with DATABASE_URL=postgres://…"
            )
        if assignments < 1 or not 0 < due_percent <= 100:
            raise CommandError("--assignments must be positive and --due-percent between 0 and 100.")
        self._remove()  # what a previous --keep run left
        today = timezone.localdate()
        started = time.perf_counter()
        world = self._build(assignments, due_percent, today)
        self.stdout.write(
            f"built {assignments} open assignments, {world['due']} of them due today ({today}), "
            f"in {time.perf_counter() - started:.1f} s"
        )
        try:
            # The e-mail task would go to the configured broker: count it, never send it.
            with mock.patch.object(_email_task(), "delay") as queued:
                workdays.clear_cache()
                first = self._timed("first sweep", lambda: supervision.deadline_sweep(today=today))
                self._timed("second sweep (must make nothing)", lambda: supervision.deadline_sweep(today=today))
                self._check_once(world, first["notified"], "after two sweeps in a row")
                self._reset_due(world)
                self._parallel(today)
                self._check_once(world, first["notified"], "after two sweeps at once")
            self.stdout.write(f"e-mail task queued {queued.call_count} times (not sent by the benchmark)")
            self._explain(today)
        finally:
            if keep:
                self.stdout.write(f"kept the data under {SWEEP_CITY} (--keep)")
            else:
                self._remove()

    # Data ----------------------------------------------------------------------------

    def _build(self, count: int, due_percent: float, today) -> dict:
        users = get_user_model().objects
        soon = workdays.add_workdays(today, supervision.REMIND_BEFORE_DAYS)
        # Due today: overdue by 1–10 days (escalation), due today, or within the reminder's working days.
        due_dates = [today - dt.timedelta(days=d) for d in range(1, 11)] + [today]
        due_dates += [today + dt.timedelta(days=k) for k in range(1, (soon - today).days + 1)]
        # Exactly `share` rows in every 10,000, evenly spread.
        share = max(1, round(due_percent * 100))
        is_due = f"(g * {share}) / 10000 > ((g - 1) * {share}) / 10000"
        with transaction.atomic():
            city = Region.objects.create(name=SWEEP_CITY, level=Region.Level.CITY)
            county = Region.objects.create(name="督办区", level=Region.Level.COUNTY, parent=city)
            township = Region.objects.create(name="督办街道", level=Region.Level.TOWNSHIP, parent=county)
            station = Station.objects.create(name="基准督办联络站", region=township)
            unit = HandlingUnit.objects.create(name="基准督办承办单位", region=county)
            city.committee_admins.add(users.create_user(f"{SWEEP_USERS}city_admin", full_name="基准督办市工委"))
            county.committee_admins.add(users.create_user(f"{SWEEP_USERS}county_admin", full_name="基准督办区工委"))
            unit.handlers.add(*(users.create_user(f"{SWEEP_USERS}handler{i}", full_name=f"承办人{i}") for i in (1, 2)))
            template = Suggestion(
                title="基准督办意见",
                content="基准督办数据，用于计时。",
                station=station,
                region=township,
                channel="mailbox",
                stage=Stage.ASSIGN,
                received_at=timezone.now(),
            )
            # Codes with a 0 in them: new_tracking_code() never makes one, so they cannot collide.
            _insert_rows(
                Suggestion,
                template,
                "generate_series(1, %s) AS g",
                [count],
                {"tracking_code": ("'SW' || lpad(g::text, 10, '0')", [])},
            )
            template = Assignment(unit=unit, role=Assignment.Role.LEAD, accept_due=today, reply_due=today)
            _insert_rows(
                Assignment,
                template,
                f"(SELECT id, row_number() OVER (ORDER BY id) AS g FROM {Suggestion._meta.db_table} "
                f"WHERE station_id = %s) AS rows",
                [station.pk],
                {
                    "suggestion_id": ("id", []),
                    # A third still waiting for acceptance: the due ones a day late, the others in time.
                    "status": ("CASE WHEN mod(g, 3) = 0 THEN 'pending' ELSE 'accepted' END", []),
                    "accept_due": (f"CASE WHEN {is_due} THEN %s::date - 1 ELSE %s::date + 1 END", [today, today]),
                    "reply_due": (
                        f"CASE WHEN {is_due} THEN (%s::date[])[1 + mod((g * {share}) / 10000, {len(due_dates)})::int] "
                        f"ELSE %s::date + 1 + mod(g, 60)::int END",
                        [due_dates, soon],
                    ),
                },
            )
        with connection.cursor() as cursor:
            # As autovacuum would soon after such a load: plans on real statistics.
            cursor.execute(f"ANALYZE {Suggestion._meta.db_table}, {Assignment._meta.db_table}")
        due = Assignment.objects.filter(unit=unit).filter(reply_due__lte=soon).count()
        return {"unit": unit.pk, "station": station.pk, "due": due}

    def _reset_due(self, world):
        """Forget what the first sweeps made, so that the same assignments are due again."""
        with transaction.atomic():
            Supervision.objects.filter(assignment__unit=world["unit"])._raw_delete(connection.alias)
            Event.objects.filter(suggestion__station=world["station"])._raw_delete(connection.alias)
            Notification.objects.filter(user__username__startswith=SWEEP_USERS)._raw_delete(connection.alias)

    def _remove(self):
        city = Region.objects.filter(name=SWEEP_CITY, parent=None).first()
        if city is None:
            return
        regions = Region.objects.filter(path__startswith=city.path)
        stations = Station.objects.filter(region__in=regions)
        units = HandlingUnit.objects.filter(region__in=regions)
        suggestions = Suggestion.objects.filter(station__in=stations)
        users = get_user_model().objects.filter(username__startswith=SWEEP_USERS)
        with transaction.atomic():
            # Raw deletes: Django's collector would load every row to cascade by hand.
            for queryset in (
                Supervision.objects.filter(assignment__unit__in=units),
                Assignment.objects.filter(unit__in=units),
                Event.objects.filter(suggestion__in=suggestions),
                Notification.objects.filter(user__in=users),
                suggestions,
            ):
                queryset._raw_delete(connection.alias)
            users.delete()
            units.delete()
            stations.delete()
            for region in regions.order_by("-path"):
                region.delete()

    # Measurements -----------------------------------------------------------------------

    def _timed(self, label, func) -> dict:
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            result = func()
            seconds = time.perf_counter() - start
        self.stdout.write(f"{label:34} {seconds:7.3f} s {len(captured):4d} queries  {result}")
        in_database = sum(float(q["time"]) for q in captured.captured_queries)
        slowest = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:4]
        self.stdout.write(f"  {in_database:.3f} s in the database, {seconds - in_database:.3f} s in Python; slowest:")
        for query in slowest:
            self.stdout.write(f"  {float(query['time']):7.3f} s  {query['sql'][:110]}")
        return result

    def _parallel(self, today):
        barrier = threading.Barrier(2)
        outcomes = {}

        def sweep(name):
            try:
                barrier.wait(timeout=30)
                start = time.perf_counter()
                result = supervision.deadline_sweep(today=today)
                outcomes[name] = (time.perf_counter() - start, result)
            except Exception as exc:  # reported below
                outcomes[name] = (None, exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=sweep, args=(name,)) for name in ("A", "B")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for name, (seconds, result) in sorted(outcomes.items()):
            if seconds is None:
                raise CommandError(f"parallel sweep {name} failed: {result!r}")
            self.stdout.write(f"{'parallel sweep ' + name:34} {seconds:7.3f} s {'':12} {result}")

    def _check_once(self, world, announced: int, when: str):
        """Count the duplicates a double sweep would leave: supervisions, notifications, timeline lines."""
        supervisions = Supervision.objects.filter(assignment__unit=world["unit"])
        duplicates = (
            supervisions.values("assignment", "kind", "deadline").annotate(n=Count("id")).filter(n__gt=1).count()
        )
        duplicates += (
            Notification.objects.filter(user__username__startswith=SWEEP_USERS)
            .values("user", "text", "url")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .count()
        )
        made = supervisions.count()
        events = Event.objects.filter(
            suggestion__station=world["station"], kind__in=[Event.Kind.REMINDER, Event.Kind.ESCALATION]
        ).count()
        duplicates += max(0, events - made)
        unannounced = supervisions.filter(notified_at__isnull=True).count()
        self.stdout.write(f"  {when}: {made} supervisions, {unannounced} unannounced, duplicates found = {duplicates}")
        if duplicates or unannounced or made != announced:
            raise CommandError("the sweep made or announced something twice, or missed something")

    def _explain(self, today):
        """The plans of the sweep's statements, to read when it is slow."""
        soon = workdays.add_workdays(today, supervision.REMIND_BEFORE_DAYS)
        assignment = Assignment._meta.db_table
        statements = [
            ("remind_before", "a.reply_due > %s AND a.reply_due <= %s", [today, soon]),
            ("remind_due", "a.reply_due = %s", [today]),
            ("escalation", "a.reply_due < %s", [today]),
            ("accept_overdue", "a.accept_due < %s AND a.status = 'pending'", [today]),
        ]
        with connection.cursor() as cursor:
            for label, where, params in statements:
                cursor.execute(
                    f"EXPLAIN SELECT a.id FROM {assignment} a WHERE a.status IN (%s, %s) AND {where}",
                    [*supervision.OPEN, *params],
                )
                self.stdout.write(f"plan {label:15} " + " / ".join(row[0].strip() for row in cursor.fetchall()[:3]))
            cursor.execute(
                f"EXPLAIN SELECT id FROM {Supervision._meta.db_table} WHERE notified_at IS NULL FOR UPDATE SKIP LOCKED"
            )
            self.stdout.write(f"plan {'claim':15} " + " / ".join(row[0].strip() for row in cursor.fetchall()[:3]))


def _email_task():
    from suggestions.loop.tasks import email_notifications

    return email_notifications


def _insert_rows(model, template, rows: str, rows_params: list, computed: dict) -> int:
    """One ``INSERT … SELECT … FROM <rows>``: ``computed`` columns as SQL, every other column as in ``template``.

    ``computed`` maps a column to ``(sql, params)``; ``rows`` is a FROM item
    with a ``g`` column (a series or a subquery). Each other column takes the
    template's value cast to its type, so a field added later with a default
    needs no change here.
    """
    columns, expressions, params = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(field.column)
        if field.column in computed:
            sql, values = computed[field.column]
            expressions.append(sql)
            params += values
        else:
            expressions.append(f"%s::{field.db_type(connection)}")
            params.append(field.get_db_prep_save(field.pre_save(template, add=True), connection))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) SELECT {', '.join(expressions)} FROM {rows}",
            [*params, *rows_params],
        )
        return cursor.rowcount
