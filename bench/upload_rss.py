"""Peak memory of the worst uploads the portal accepts, and of the bombs it refuses.

    .venv/bin/python bench/upload_rss.py [photos] [register]

Each case runs in a fresh Python process that serves the case's requests
through Django's own WSGI server on 127.0.0.1 — the real middleware, views,
forms, storage and templates, with ``liaison.settings.bench`` on a throw-away
SQLite database — and reports its peak resident memory (VmHWM) after
a warm-up GET of the form and after each POST. This process builds the files
and sends the requests; its own memory is not measured.

photos (``/s/<code>/suggest/``, no login): five photos just under
``UPLOAD_IMAGE_MAX_PIXELS``, flat colour (a few hundred KB each, the most
pixels per byte), each with an EXIF block holding a GPS position and an
orientation that turns the picture — as PNG RGBA, JPEG and WebP; five photos
of about 9 MB each (the most bytes); and the refused attack, five 420 KB PNGs
of 12000×12000 pixels with EXIF.

register (``/stations/<code>/import/``, a station's staff): the preview and the
confirmation of the largest registers the limits let through — 5,000 rows of
long cells up to ``IMPORT_MAX_PART_BYTES``; every part at its limit (sheet,
200,000 shared strings, styles); rows of 16,384 cells — and the refused
attack, a 414 KB workbook holding a 400 MB cell.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MB = 1024 * 1024
LIMIT_PHOTOS_MB = 200
LIMIT_REGISTER_MB = 300


def peak_rss_mb() -> float:
    """The process's peak resident memory so far.

    VmHWM, not ru_maxrss: Linux carries ru_maxrss over an exec from the forked parent, so a child of
    this (large) process would report the parent's peak.
    """
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# The serving process -------------------------------------------------------------------------------


DONE = "/bench-upload-rss-done/"


def serve() -> None:
    """Serve on a free port (printed first) until DONE is asked for, then print the peak after each request."""
    import django

    django.setup()
    from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer
    from django.core.wsgi import get_wsgi_application

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    portal = get_wsgi_application()
    finished = []

    def application(environ, start_response):
        if environ["PATH_INFO"] == DONE:
            finished.append(True)
            start_response("204 No Content", [])
            return [b""]
        return portal(environ, start_response)

    server = WSGIServer(("127.0.0.1", 0), Quiet, ipv6=False)
    server.set_app(application)
    print(server.server_address[1], flush=True)
    peaks = []
    while not finished:
        server.handle_request()
        peaks.append(peak_rss_mb())
    print(json.dumps(peaks[:-1]), flush=True)


# Requests ------------------------------------------------------------------------------------------


class Session:
    """Cookies and CSRF for a few requests to one serving process."""

    def __init__(self, port: int, cookies: dict | None = None):
        self.port = port
        self.cookies = dict(cookies or {})
        self.csrf = ""
        self.previewed = False

    def request(self, method: str, path: str, body: bytes = b"", content_type: str = "") -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        headers = {"Host": "localhost", "Connection": "close", "Accept-Language": "zh-hans"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body:
            headers["Content-Type"] = content_type
            headers["Content-Length"] = str(len(body))
            headers["Referer"] = f"http://localhost{path}"
        connection.request(method, path, body=body or None, headers=headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        connection.close()
        return response.status, text

    def get_form(self, path: str) -> tuple[int, str]:
        """The form page, whose CSRF token the next post sends back."""
        status, page = self.request("GET", path)
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        self.csrf = match.group(1) if match else self.csrf
        return status, page


def multipart(fields: dict, files: list[tuple[str, str, bytes, str]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, filename, data, content_type in files:
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n".encode()
        )
        out.write(data)
        out.write(b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def refusal(page: str) -> str:
    """The first error message on a refused form page, for the report."""
    for pattern in (r'class="invalid-feedback[^"]*"[^>]*>(.*?)</', r'role="alert"[^>]*>(.*?)</div>'):
        match = re.search(pattern, page, re.S)
        if match:
            return re.sub(r"<[^>]+>|\s+", " ", match.group(1)).strip()[:110]
    return ""


# The cases -----------------------------------------------------------------------------------------


class Bench:
    def __init__(self, workdir: Path):
        self.workdir = workdir
        (workdir / "staticfiles").mkdir()
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "liaison.settings.bench",
            "LIAISON_VAR_DIR": str(workdir),
            "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
            "CACHE_URL": "locmemcache://",
            "LOG_LEVEL": "WARNING",
        }

    def prepare(self) -> dict:
        script = """
import json, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.test import Client
from accounts.models import User
from stations.models import Region, Station
city = Region.objects.create(name="基准上传市", level=Region.Level.CITY)
station = Station.objects.create(region=city, name="基准上传联络站", address="人民路1号")
staff = User.objects.create_user("bench_upload_staff", full_name="基准站务")
station.staff.add(staff)
client = Client()
client.force_login(staff, backend="django.contrib.auth.backends.ModelBackend")
print(json.dumps({"station": station.code, "session": client.cookies["sessionid"].value}))
"""
        result = subprocess.run(
            [sys.executable, "-c", script], env=self.env, cwd=ROOT, capture_output=True, text=True, check=True
        )
        return json.loads(result.stdout.strip().splitlines()[-1])

    def run(self, label: str, steps: list[tuple[str, object]], cookies=None) -> list[tuple]:
        """A fresh serving process for one case: run each named step against it, then collect its peaks."""
        child = subprocess.Popen(
            [sys.executable, __file__, "--serve"],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        port = int(child.stdout.readline())
        session = Session(port, cookies)
        outcomes = []
        for name, step in steps:
            started = time.perf_counter()
            status, page = step(session)
            if status:  # 0: the step had nothing to send
                note = refusal(page) if status not in (200, 302) or "is-invalid" in page else ""
                outcomes.append((name, status, note, time.perf_counter() - started))
        session.request("GET", DONE)
        peaks = json.loads(child.stdout.readline())
        child.wait()
        return [(label, *outcome, peak) for outcome, peak in zip(outcomes, peaks, strict=True)]


def noise_jpeg(exif: bytes, target: int) -> bytes:
    """A photo of noise (JPEG cannot pack it) just under ``target`` bytes."""
    from PIL import Image

    side = 3600
    while True:
        noise = Image.frombytes("RGB", (side, side * 3 // 4), random.Random(1).randbytes(side * (side * 3 // 4) * 3))
        buffer = io.BytesIO()
        noise.save(buffer, "JPEG", quality=95, exif=exif)
        if buffer.tell() < target:
            return buffer.getvalue()
        side -= 50


def photo_cases(bench: Bench, station: str) -> list[tuple]:
    from django.conf import settings
    from PIL import Image

    from devtools.testing.pictures import phone_exif, streamed_png

    exif = phone_exif(orientation=6)
    width = 8000
    height = settings.UPLOAD_IMAGE_MAX_PIXELS // width  # at the limit, not over it
    png = streamed_png(width, height, mode="RGBA", exif=exif)
    flat = Image.new("RGB", (width, height), (120, 130, 140))
    jpeg, webp = io.BytesIO(), io.BytesIO()
    flat.save(jpeg, "JPEG", quality=90, exif=exif)
    flat.convert("RGBA").save(webp, "WEBP", lossless=True, method=0, exif=exif)
    del flat
    heavy = noise_jpeg(exif, settings.SUGGESTION_ATTACHMENT_MAX_BYTES - 256 * 1024)
    bomb = streamed_png(12000, 12000, exif=exif)
    size = f"{width}×{height}"
    cases = [
        (f"accepted: 5 PNG RGBA {size}, EXIF", png, "png"),
        (f"accepted: 5 JPEG {size}, EXIF", jpeg.getvalue(), "jpg"),
        (f"accepted: 5 WebP RGBA {size}, EXIF", webp.getvalue(), "webp"),
        (f"accepted: 5 JPEG of noise, {len(heavy) / MB:.1f} MB each, EXIF", heavy, "jpg"),
        ("refused: 5 PNG 12000×12000, EXIF", bomb, "png"),
    ]
    form = f"/s/{station}/suggest/"
    results = []
    for label, data, extension in cases:

        def post(session, data=data, extension=extension):
            fields = {
                "csrfmiddlewaretoken": session.csrf,
                "content": "小区门口道路破损严重，雨天积水，老人孩子出行不便，希望尽快修复。",
                "idempotency_key": str(uuid.uuid4()),
            }
            files = [("attachments", f"{i}.{extension}", data, f"image/{extension}") for i in range(5)]
            body, content_type = multipart(fields, files)
            return session.request("POST", form, body, content_type)

        label = f"{label} ({len(data) / 1024:,.1f} KB each)"
        results += bench.run(label, [("GET form", lambda s: s.get_form(form)), ("POST", post)])
    return results


def register_cases(bench: Bench, station: str, session_key: str) -> list[tuple]:
    from django.conf import settings

    from devtools.testing import workbooks

    part_limit = settings.IMPORT_MAX_PART_BYTES
    words = ["路灯", "损坏", "积水", "维修", "小区", "道路", "希望", "尽快", "群众", "反映"]
    rnd = random.Random(7)

    def text(chars: int) -> str:
        return "".join(rnd.choice(words) for _ in range(max(1, chars // 2)))

    def long_rows(budget: int, rows: int = 5000):
        """5,000 rows whose content and location cells fill ``budget`` bytes of sheet."""
        head = workbooks.inline_row(1, workbooks.HEADER)
        sample = ["2024-03-20", "接待日", text(40), "", "", text(30), "张三", "13800001111", ""]
        room = (budget - len(head) - 100) // rows - len(workbooks.inline_row(rows + 1, sample)) - 60
        yield head
        for number in range(2, rows + 2):
            yield workbooks.inline_row(number, [*sample[:3], text(room // 3), *sample[4:]])

    # Every part at its limit: half a sheet of long rows, the most shared strings the limit allows, and styles.
    total, strings = settings.IMPORT_MAX_UNPACKED_BYTES, settings.IMPORT_MAX_SHARED_STRINGS
    structure = settings.IMPORT_MAX_STRUCTURE_BYTES
    per_string = (total - part_limit // 2 - structure - 512 * 1024) // strings
    shared = [f"<si><t>{text((per_string - 20) // 3)}</t></si>".encode() for _ in range(strings)]
    styles = workbooks.stylesheet(structure - 8 * 1024)

    def wide_rows():
        yield workbooks.inline_row(1, workbooks.HEADER)
        row, written = 2, 0
        while written < part_limit - 1024 * 1024:
            cells = "".join(f"<c><v>{rnd.randrange(10)}</v></c>" for _ in range(16384)).encode()
            line = f'<row r="{row}">'.encode() + cells + b"</row>"
            written += len(line)
            row += 1
            yield line

    cases = [
        (
            "accepted: 5,000 rows of long cells, sheet at the part limit",
            workbooks.workbook(long_rows(part_limit - 256 * 1024), level=9),
        ),
        (
            "accepted: every part at its limit (sheet, shared strings, styles)",
            workbooks.workbook(long_rows(part_limit // 2), shared=shared, extra={"xl/styles.xml": styles}, level=9),
        ),
        ("accepted: rows of 16,384 cells up to the part limit", workbooks.workbook(wide_rows(), level=9)),
        ("refused: a 400 MB cell", workbooks.bomb()),
    ]
    form = f"/stations/{station}/import/"
    results = []
    for label, data in cases:

        def upload(session, data=data):
            body, content_type = multipart(
                {"csrfmiddlewaretoken": session.csrf}, [("file", "台账.xlsx", data, "application/octet-stream")]
            )
            status, page = session.request("POST", form, body, content_type)
            session.previewed = 'id="confirm-import"' in page
            return status, page

        def confirm(session):
            if not session.previewed:
                return 0, ""
            body, content_type = multipart({"csrfmiddlewaretoken": session.csrf}, [])
            return session.request("POST", f"{form}confirm/", body, content_type)

        label = f"{label} ({describe(data)})"
        steps = [("GET form", lambda s: s.get_form(form)), ("POST file", upload), ("confirm", confirm)]
        results += bench.run(label, steps, cookies={"sessionid": session_key})
    return results


def describe(data: bytes) -> str:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    return f"{len(data) / MB:.2f} MB file, {unpacked / MB:.1f} MB unpacked"


def report(title: str, results: list[tuple], limit_mb: int) -> bool:
    print(f"\n{title}\npeak resident memory of the serving process; accepted cases must stay under {limit_mb} MB")
    print(f"{'case':86} {'step':>9} {'status':>6} {'s':>5} {'peak MB':>8}")
    ok = True
    for label, step, status, note, seconds, peak in results:
        shown = "—" if status == 0 else status
        print(f"{label:86} {step:>9} {shown:>6} {seconds:5.1f} {peak:8.0f}" + (f"  {note}" if note else ""))
        if label.startswith("accepted") and peak >= limit_mb:
            ok = False
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("suites", nargs="*", help="photos, register, or both when none is named")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve()
    suites = args.suites or ["photos", "register"]
    if set(suites) - {"photos", "register"}:
        parser.error("the suites are photos and register")
    with tempfile.TemporaryDirectory(prefix="upload-rss-") as workdir:
        bench = Bench(Path(workdir))
        # This process reads the limits from the same settings; it is never measured.
        os.environ.update(bench.env)
        import django

        django.setup()
        from django.conf import settings

        world = bench.prepare()
        ok = True
        if "photos" in suites:
            title = f"Citizen's form /s/<code>/suggest/, UPLOAD_IMAGE_MAX_PIXELS = {settings.UPLOAD_IMAGE_MAX_PIXELS:,}"
            ok &= report(title, photo_cases(bench, world["station"]), LIMIT_PHOTOS_MB)
        if "register" in suites:
            title = (
                f"Register import /stations/<code>/import/, IMPORT_MAX_UNPACKED_BYTES = "
                f"{settings.IMPORT_MAX_UNPACKED_BYTES / MB:g} MB, IMPORT_MAX_PART_BYTES = "
                f"{settings.IMPORT_MAX_PART_BYTES / MB:g} MB, IMPORT_MAX_SHARED_STRINGS = "
                f"{settings.IMPORT_MAX_SHARED_STRINGS:,}"
            )
            ok &= report(title, register_cases(bench, world["station"], world["session"]), LIMIT_REGISTER_MB)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
