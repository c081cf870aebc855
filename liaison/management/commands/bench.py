"""Performance figures, printed; never asserted in a timed test.

    python manage.py bench pages [--requests 200]

Times the portal's pages in-process (middleware, views, templates and queries;
no network) on whatever data the database holds, and prints p50 / p95 server
time and the query count of each. Run it after ``seed_demo`` or a generator.
"""

import statistics
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext

from representatives.models import Representative
from stations.models import Station


class Command(BaseCommand):
    help = "Print server-time percentiles and query counts of the portal's pages."

    def add_arguments(self, parser):
        parser.add_argument("suite", choices=["pages", "list"])
        parser.add_argument("--requests", type=int, default=200)

    def handle(self, *args, suite, requests, **options):
        if suite == "list":
            return self._list(requests)
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
