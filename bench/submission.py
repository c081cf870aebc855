"""Public submission throughput under gunicorn, against a one-INSERT baseline in the same run.

    DATABASE_URL=postgres://… CACHE_URL=redis://… .venv/bin/python bench/submission.py \
        [--clients 20] [--seconds 10] [--rounds 5]

Starts gunicorn with ``liaison.settings.bench`` on 127.0.0.1, then drives it with
``--clients`` concurrent clients (asyncio, one process), alternating ``--rounds``
times between the baseline view (one INSERT into a one-table model) and the
citizen's form POST on ``/s/<code>/suggest/`` (CSRF token, idempotency key, rate
limits, validation, the suggestion and its timeline event), ``--seconds`` each.
The post carries what the page's form sends for a text-only suggestion. Taking
turns keeps a machine that speeds up or slows down during the run from favouring
one side. Prints requests/s, p50 and p95 per round and over all rounds, the
ratio, and each view's CPU per request by process (gunicorn, PostgreSQL, Redis,
this load generator; read from /proc). Traffic goes to the loopback address only
and the run stops by itself.
"""

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.parse
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "liaison.settings.bench"

IDLE, STOLEN = "idle", "stolen"

TEXTS = [
    "小区门口道路破损严重，雨天积水，老人孩子出行不便，希望尽快修复。",
    "希望在四季城小区东门增设公交站点，方便居民出行。",
    "安置房交房多年仍未办理不动产权证，请有关部门加快办理。",
    "劳动路北段便民市场早高峰占道经营，交通拥堵，希望规范管理。",
]


def setup_database() -> str:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("The figure is defined on PostgreSQL: set DATABASE_URL=postgres://…")
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    from stations.models import Region, Station

    region, _ = Region.objects.get_or_create(name="基准提交市", parent=None, defaults={"level": Region.Level.CITY})
    station, _ = Station.objects.get_or_create(region=region, name="基准提交联络站", defaults={"address": "人民路1号"})
    return station.code


def count_rows() -> tuple[int, int]:
    from bench.models import Ping

    from suggestions.models import Suggestion

    return Ping.objects.count(), Suggestion.objects.count()


async def http(port: int, method: str, path: str, *, body: bytes = b"", headers: dict | None = None):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    if body:
        lines.append(f"Content-Length: {len(body)}")
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
    await writer.drain()
    raw = await reader.read()
    writer.close()
    head, _, payload = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, head.decode("latin-1"), payload


async def baseline_client(port, deadline, warm_until, timings, errors):
    while time.perf_counter() < deadline:
        start = time.perf_counter()
        status, _, _ = await http(
            port, "POST", "/bench/insert/", body=b"x=1", headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        if status != 201:
            errors.append(status)
        elif start >= warm_until:
            timings.append(time.perf_counter() - start)


async def submission_client(port, code, deadline, warm_until, timings, errors, index):
    status, head, page = await http(port, "GET", f"/s/{code}/suggest/")
    cookie = re.search(r"csrftoken=([^;\r\n]+)", head).group(1)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={cookie}"}
    # What the page's form sends for a text-only suggestion, field for field and in its order (its script
    # posts urlencoded when no photo is attached; see templates/public/suggest_form.html). Encoded once:
    # the load generator shares the machine's cores with the server, so it does as little as it can per
    # request (a fresh idempotency key and a running number in the text).
    head_part, tail_part = (
        urllib.parse.urlencode(fields)
        for fields in (
            {"csrfmiddlewaretoken": token},
            {"location": "", "attachments": "", "enterprise_name": "", "submitter_name": "", "submitter_phone": ""},
        )
    )
    texts = [urllib.parse.quote(text) for text in TEXTS]
    number_open, number_close = urllib.parse.quote("（第"), urllib.parse.quote("条）")
    n = 0
    while time.perf_counter() < deadline:
        n += 1
        body = (
            f"{head_part}&idempotency_key={uuid.uuid4()}&category=&content={texts[(index + n) % len(texts)]}"
            f"{number_open}{n}{number_close}&{tail_part}"
        ).encode()
        start = time.perf_counter()
        status, _, payload = await http(port, "POST", f"/s/{code}/suggest/", body=body, headers=headers)
        if status != 302:
            if not errors:
                print(f"  unexpected {status}: {payload[:300]!r}", file=sys.stderr)
            errors.append(status)
        elif start >= warm_until:
            timings.append(time.perf_counter() - start)


def cpu_seconds() -> dict[tuple[str, str], float]:
    """CPU time used so far by the processes behind the figures, by (kind, pid) (Linux ``/proc``; empty elsewhere).

    The server, its database and cache, and this load generator share the
    machine's cores: where each request's CPU goes says what limits the rate.
    """
    kinds: dict[tuple[str, str], float] = {}
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    for pid in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as stat, open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                fields, command = stat.read(), cmdline.read()
        except OSError:
            continue  # ended meanwhile
        name = fields[fields.index("(") + 1 : fields.rindex(")")]
        if int(pid) == os.getpid():
            kind = "load generator"
        elif b"gunicorn" in command:
            kind = "gunicorn"
        elif name.startswith("postgres"):
            kind = "PostgreSQL"
        elif name.startswith("redis"):
            kind = "Redis"
        else:
            continue
        user, system = fields[fields.rindex(")") + 2 :].split()[11:13]
        kinds[kind, pid] = (int(user) + int(system)) / tick
    if os.path.isfile("/proc/stat"):
        with open("/proc/stat") as stat:
            # The machine's idle time (all CPUs, waiting for the disk included): what no process used.
            cpu = stat.readline().split()
        kinds[IDLE, ""] = (int(cpu[4]) + int(cpu[5])) / tick
        # On a virtual machine, time the host gave to others: the same code then serves fewer requests.
        kinds[STOLEN, ""] = int(cpu[8]) / tick if len(cpu) > 8 else 0.0
    return kinds


async def drive(make_client, clients, seconds, warmup):
    timings, errors, marks = [], [], {}
    begin = time.perf_counter()
    warm_until, deadline = begin + warmup, begin + warmup + seconds

    async def mark_warm():
        await asyncio.sleep(warmup)
        marks["warm"] = cpu_seconds()

    marker = asyncio.create_task(mark_warm())
    await asyncio.gather(*(make_client(deadline, warm_until, timings, errors, i) for i in range(clients)))
    await marker
    cpu: dict[str, float] = {}
    for (kind, pid), used in cpu_seconds().items():
        # A process started meanwhile counts from zero; one that ended meanwhile (a database backend,
        # autovacuum) is missing from the end: its share is lost, never negative.
        cpu[kind] = cpu.get(kind, 0.0) + used - marks["warm"].get((kind, pid), 0.0)
    return timings, errors, seconds, cpu


def report_cpu(name, timings, seconds, cpu):
    if timings and cpu:
        idle, stolen = cpu.pop(IDLE, None), cpu.pop(STOLEN, None)
        parts = ", ".join(f"{kind} {used / len(timings) * 1000:.2f}" for kind, used in sorted(cpu.items()))
        print(f"  {name}, CPU ms per request: {parts}")
        if idle is not None:
            # Idle cores under load mean the server waits (on the disk, on locks) rather than computes.
            share = seconds * (os.cpu_count() or 1) / 100
            print(f"  {name}, machine idle: {idle / share:.0f} %, taken by the host: {stolen / share:.0f} %")


def report(name, timings, errors, seconds, cpu=None):
    timings = sorted(timings)
    rps = len(timings) / seconds
    p50 = statistics.median(timings) * 1000 if timings else float("nan")
    p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))] * 1000 if timings else float("nan")
    print(f"{name:40} {rps:9.1f} {p50:9.1f} {p95:9.1f} {len(errors):7d}")
    return rps, p95


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()

    code = setup_database()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "liaison.settings.bench"}
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "liaison.wsgi",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                if asyncio.run(http(args.port, "GET", "/healthz"))[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            sys.exit("gunicorn did not come up")
        pings_before, suggestions_before = count_rows()
        print(
            f"gunicorn: {args.workers} workers; {args.clients} concurrent clients; {args.rounds} rounds of "
            f"{args.seconds:.0f} s per view, alternating, each after {args.warmup:.0f} s warm-up; {os.cpu_count()} CPUs"
        )
        print(f"{'':40} {'req/s':>9} {'p50 ms':>9} {'p95 ms':>9} {'errors':>7}")
        totals = {"base": ([], [], 0.0, {}), "sub": ([], [], 0.0, {})}
        ratios = []
        for number in range(1, args.rounds + 1):
            base = asyncio.run(
                drive(
                    lambda d, w, t, e, i: baseline_client(args.port, d, w, t, e),
                    args.clients,
                    args.seconds,
                    args.warmup,
                )
            )
            base_rps, _ = report(f"round {number} baseline: one INSERT", *base)
            sub = asyncio.run(
                drive(
                    lambda d, w, t, e, i: submission_client(args.port, code, d, w, t, e, i),
                    args.clients,
                    args.seconds,
                    args.warmup,
                )
            )
            sub_rps, _ = report(f"round {number} public submission", *sub)
            ratios.append(sub_rps / base_rps if base_rps else 0)
            for key, (timings, errors, seconds, cpu) in (("base", base), ("sub", sub)):
                all_timings, all_errors, all_seconds, all_cpu = totals[key]
                for kind, used in cpu.items():
                    all_cpu[kind] = all_cpu.get(kind, 0.0) + used
                totals[key] = (all_timings + timings, all_errors + errors, all_seconds + seconds, all_cpu)
        print("-" * 78)
        base_rps, _ = report("all rounds baseline: one INSERT", *totals["base"])
        sub_rps, sub_p95 = report("all rounds public /s/<code>/suggest/", *totals["sub"])
        report_cpu("baseline", totals["base"][0], totals["base"][2], totals["base"][3])
        report_cpu("submission", totals["sub"][0], totals["sub"][2], totals["sub"][3])
        pings_after, suggestions_after = count_rows()
        ratio = sub_rps / base_rps if base_rps else 0
        print(f"ratio per round: {', '.join(f'{r:.2f}' for r in ratios)}")
        print(f"ratio submission / baseline: {ratio:.2f}  (target ≥ 0.60: {'met' if ratio >= 0.6 else 'NOT met'})")
        print(f"submission p95: {sub_p95:.1f} ms  (target < 100 ms: {'met' if sub_p95 < 100 else 'NOT met'})")
        print(f"rows written: {pings_after - pings_before} pings, {suggestions_after - suggestions_before} suggestions")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
