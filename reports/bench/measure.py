"""The measurements: one ``Result`` per figure, printed as one line each as soon as it is known.

1. figures: ``compute_figures`` for a commune, a district and the province, each run beside a
   hand-written single-SQL reference over the same rows (``REFERENCE_SQL``), with the totals compared;
   and the whole report's JSON (``build_report`` + ``to_json``);
2. exports: the district's quarterly Excel and PDF and the province's consolidated Excel (and PDF),
   each through ``report_export``, the very job a report run does;
3. pages: the desk's list pages and the public lookup through the whole URL stack
   (``django.test.Client``, signed in as a desk officer of the busiest commune and of a district),
   p50/p95 over a few hundred requests, with the SQL queries of one request counted;
4. intake: ``dossier_receive`` sequentially and from 20 threads at the same desk, duplicate codes;
5. memory: peak RSS of the report job for the province, run in a child process; and the peak RSS of a
   web worker (gunicorn, one sync worker, as the Dockerfile runs it) after a round of real requests — list
   pages, the register and its downloads, a report page, a 5 MB catalogue upload —, read from its VmHWM;
6. imports: historical dossiers (``dossiers_import`` on a generated CSV) and a catalogue
   (``procedures_import``);
7. files: intake with files — a dossier taken in with a 20-page scan (its pages kept, checked and joined
   into one PDF by the scan job, run in-process as without a broker) and one with three single PDFs —,
   and the storage those files take, measured on the sample and extrapolated to 100,000 dossiers.

Times are wall-clock on a shared 2-core machine: the median of ``runs`` with the minimum and maximum.
"""
from __future__ import annotations

import csv
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dossiers.models import Channel, Dossier, Status
from motcua.calendar import VN_TZ
from motcua.models import AdministrativeUnit
from procedures.models import Field, Procedure
from reports.figures import compute_figures
from motcua.periods import Period, quarter_containing
from reports.report import build_report, to_json

from . import generate


@dataclass
class Result:
    """One printed line. ``value`` is the figure compared with a target (a median, a p95, a rate…)."""

    key: str
    label: str
    unit: str
    value: float | None
    low: float | None = None
    high: float | None = None
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def _stats(samples: list[float]) -> tuple[float, float, float]:
    return statistics.median(samples), min(samples), max(samples)


def _percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def _timed(fn):
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


# -- 1. the SQL reference ---------------------------------------------------------------------------

# The same definitions as reports.figures.conditions, written by hand as one GROUP BY with FILTER
# counts: rows of the unit's subtree (at the handling unit) that can count in the window, never the
# refused; "within time" is due after the end, or paused at the end by a pause begun by the due moment.
REFERENCE_SQL = """
WITH open_pauses AS (
    SELECT dossier_id, min(started_at) AS first_start
    FROM dossiers_pause
    WHERE started_at < %(end)s AND (ended_at IS NULL OR ended_at >= %(end)s)
    GROUP BY dossier_id
)
SELECT d.handling_unit_id, p.field_id,
       count(*) FILTER (WHERE d.received_at >= %(start)s) AS new,
       count(*) FILTER (WHERE d.received_at >= %(start)s AND d.channel = 'online') AS new_online,
       count(*) FILTER (WHERE d.received_at >= %(start)s AND d.channel = 'direct') AS new_direct,
       count(*) FILTER (WHERE d.received_at >= %(start)s AND d.channel = 'postal') AS new_postal,
       count(*) FILTER (WHERE d.received_at < %(start)s) AS carried_over,
       count(*) FILTER (WHERE d.resolved_at < %(end)s) AS resolved,
       count(*) FILTER (WHERE d.resolved_at < %(end)s AND d.outcome = 'early') AS early,
       count(*) FILTER (WHERE d.resolved_at < %(end)s AND d.outcome = 'on_time') AS on_time,
       count(*) FILTER (WHERE d.resolved_at < %(end)s AND d.outcome = 'late') AS late,
       count(*) FILTER (WHERE d.resolved_at < %(end)s AND d.status = 'returned_unresolved') AS returned_unresolved,
       count(*) FILTER (WHERE d.resolved_at < %(end)s AND d.status = 'withdrawn') AS withdrawn,
       count(*) FILTER (WHERE d.resolved_at IS NULL OR d.resolved_at >= %(end)s) AS pending,
       count(*) FILTER (WHERE (d.resolved_at IS NULL OR d.resolved_at >= %(end)s)
                          AND (d.due_at >= %(end)s OR coalesce(op.first_start <= d.due_at, false))) AS within_time,
       count(*) FILTER (WHERE (d.resolved_at IS NULL OR d.resolved_at >= %(end)s)
                          AND NOT (d.due_at >= %(end)s OR coalesce(op.first_start <= d.due_at, false))) AS overdue,
       count(*) FILTER (WHERE d.received_at >= %(start)s AND d.components_digitised <> 'none') AS components_any,
       count(*) FILTER (WHERE d.received_at >= %(start)s AND d.components_digitised = 'full') AS components_full,
       count(*) FILTER (WHERE d.resolved_at < %(end)s AND d.result_digitised) AS results,
       count(*) FILTER (WHERE d.received_at >= %(start)s AND d.paid_online) AS paid_online
FROM dossiers_dossier d
JOIN procedures_procedure p ON p.id = d.procedure_id
LEFT JOIN open_pauses op ON op.dossier_id = d.id
WHERE d.handling_unit_id IN (SELECT id FROM motcua_administrativeunit WHERE path LIKE %(prefix)s)
  AND d.received_at < %(end)s
  AND (d.resolved_at IS NULL OR d.resolved_at >= %(start)s)
  AND d.status <> 'refused'
GROUP BY d.handling_unit_id, p.field_id
"""

# Where each count of the reference sits in Figures.totals.
TOTAL_PATHS = {
    "new": ("received", "new"), "new_online": ("received", "online"), "new_direct": ("received", "direct"),
    "new_postal": ("received", "postal"), "carried_over": ("received", "carried_over"),
    "resolved": ("resolved", "total"), "early": ("resolved", "early"), "on_time": ("resolved", "on_time"),
    "late": ("resolved", "late"), "returned_unresolved": ("resolved", "returned_unresolved"),
    "withdrawn": ("resolved", "withdrawn"), "pending": ("pending", "total"), "within_time": ("pending", "within_time"),
    "overdue": ("pending", "overdue"), "components_any": ("digitized", "components_any"),
    "components_full": ("digitized", "components_full"), "results": ("digitized", "results"),
    "paid_online": ("paid_online",),
}


def reference_totals(unit: AdministrativeUnit, period: Period) -> tuple[dict[str, int], int]:
    """The reference's totals over the unit's subtree, and how many (unit, field) rows it grouped."""
    with connection.cursor() as cursor:
        cursor.execute(REFERENCE_SQL, {"start": period.start, "end": period.end, "prefix": unit.path.replace("%", r"\%") + "%"})
        names = [column.name for column in cursor.description]
        rows = cursor.fetchall()
    totals = dict.fromkeys(TOTAL_PATHS, 0)
    for row in rows:
        for name, value in zip(names[2:], row[2:]):
            totals[name] += value
    return totals, len(rows)


def our_totals(figures) -> dict[str, int]:
    flat = {}
    for key, path in TOTAL_PATHS.items():
        value = figures.totals
        for part in path:
            value = value[part]
        flat[key] = value
    return flat


# -- the child process of the memory measurement -------------------------------------------------------

# The report job, as the export command runs it; it prints its time, its size and its own peak.
REPORT_JOB = r"""
import json, os, resource, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
from django.conf import settings
if os.environ.get("BENCH_DATABASE_NAME"):
    settings.DATABASES["default"]["NAME"] = os.environ["BENCH_DATABASE_NAME"]
import django
django.setup()
from motcua.models import AdministrativeUnit
from reports.services import report_export
started = time.perf_counter()
content = report_export(unit=AdministrativeUnit.objects.get(code=sys.argv[1]), period=sys.argv[2], fmt=sys.argv[3])
hwm = next((int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:")), None)
print(json.dumps({"seconds": time.perf_counter() - started, "bytes": len(content), "vm_hwm_kb": hwm}))
"""

# Linux keeps a process's ru_maxrss across exec, and a child forked from this (large) process starts
# with our resident size: its RUSAGE_CHILDREN figure would be ours. So the job is started by a small
# launcher, itself forked by /bin/sh (the ``; exit`` makes sh fork rather than exec), and the launcher
# reads RUSAGE_CHILDREN once the job has ended.
LAUNCHER = r"""
import json, resource, subprocess, sys
done = subprocess.run([sys.executable, "-c", sys.argv[1], *sys.argv[2:]], capture_output=True, text=True)
lines = done.stdout.strip().splitlines()
print(json.dumps({"returncode": done.returncode, "job": json.loads(lines[-1]) if done.returncode == 0 and lines else None,
                  "children_maxrss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
                  "stderr": done.stderr[-2000:] if done.returncode else ""}))
"""


def _database_url() -> str:
    """The URL of the database this process measures (in the tests, the test database)."""
    from urllib.parse import quote

    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}@{db.get('HOST') or '127.0.0.1'}{port}/{quote(db['NAME'], safe='')}"


def _children(pid: int) -> list[int]:
    """The processes a process forked (gunicorn's workers), from /proc."""
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _proc_status_kb(pid: int) -> tuple[int | None, int | None]:
    """(VmHWM, VmRSS) of a live process in kB: its peak resident size since it started, and its size now."""
    values = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("VmHWM:", "VmRSS:")):
                values[line.split(":")[0]] = int(line.split()[1])
    except OSError:
        pass
    return values.get("VmHWM"), values.get("VmRSS")


class _SqlTimer:
    """An execute-wrapper adding up the time a request's statements spend in the database."""

    def __init__(self):
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started


def _pdf_pages(content: bytes) -> int | None:
    try:
        from io import BytesIO

        from pypdf import PdfReader
    except ImportError:  # pypdf is a test dependency
        return None
    return len(PdfReader(BytesIO(content)).pages)


class Bench:
    def __init__(self, *, runs: int, requests: int, intake: int, threads: int, import_dossiers: int,
                 import_procedures: int, page_seconds: float = 60.0, files: int = 20, out=print):
        self.runs = runs
        self.requests = requests
        self.page_seconds = page_seconds
        self.intake_size = intake
        self.threads = threads
        self.import_dossiers = import_dossiers
        self.import_procedures = import_procedures
        self.files_size = files
        self.out = out
        self.results: list[Result] = []
        User = get_user_model()
        self.commune_desk = User.objects.select_related("membership__unit").get(username="bench.desk.commune")
        self.district_desk = User.objects.select_related("membership__unit").get(username="bench.desk.district")
        self.province = AdministrativeUnit.objects.get(code=generate.PROVINCE_CODE)
        self.commune = self.commune_desk.membership.unit
        self.district = self.district_desk.membership.unit
        today = timezone.localdate()
        current = quarter_containing(today)
        self.current = current
        self.period = quarter_containing(current.first_day - timedelta(days=1))  # the last closed quarter

    def scenario_description(self) -> dict:
        return {
            "dossiers": Dossier.objects.count(),
            "units": AdministrativeUnit.objects.count(),
            "fields": Field.objects.count(),
            "procedures": Procedure.objects.count(),
            "period": self.period.key,
            "period_range": [self.period.first_day.isoformat(), self.period.last_day.isoformat()],
            "commune": {"code": self.commune.code, "name": self.commune.name,
                        "dossiers": Dossier.objects.filter(handling_unit=self.commune).count()},
            "district": {"code": self.district.code, "name": self.district.name,
                         "dossiers": Dossier.objects.filter(handling_unit__path__startswith=self.district.path).count()},
            "province": {"code": self.province.code, "name": self.province.name},
        }

    def add(self, result: Result, line: str) -> Result:
        self.results.append(result)
        self.out(line)
        return result

    def run(self, sections: set[str]) -> list[Result]:
        self.scenario = self.scenario_description()  # before intake and imports add rows
        self.out(f"Measuring on {Dossier.objects.count():,} dossiers; quarter {self.period.key} "
                 f"({self.period.first_day:%d/%m/%Y}–{self.period.last_day:%d/%m/%Y}); runs: {self.runs}")
        for name in ("figures", "exports", "pages", "intake", "memory", "imports", "files"):
            if name in sections:
                getattr(self, name)()
        return self.results

    # -- 1. figures -----------------------------------------------------------------------------------

    def figures(self) -> None:
        self.out("1. Quarterly figures (compute_figures) beside the hand-written SQL reference")
        for scope, unit in (("commune", self.commune), ("district", self.district), ("province", self.province)):
            compute_figures(unit, self.period)  # warm both once: the same pages in the cache for each
            reference_totals(unit, self.period)
            ours, theirs = [], []
            figures = reference = None
            for _ in range(self.runs):
                seconds, figures = _timed(lambda: compute_figures(unit, self.period))
                ours.append(seconds)
                seconds, (reference, groups) = _timed(lambda: reference_totals(unit, self.period))
                theirs.append(seconds)
            mine = our_totals(figures)
            mismatches = {k: (mine[k], reference[k]) for k in TOTAL_PATHS if mine[k] != reference[k]}
            median, low, high = _stats(ours)
            ref_median, ref_low, ref_high = _stats(theirs)
            ratio = median / ref_median if ref_median else None
            check = "totals match" if not mismatches else "!!! MISMATCH !!! " + ", ".join(
                f"{k}: ours {a} reference {b}" for k, (a, b) in mismatches.items())
            self.add(
                Result(f"figures.{scope}", f"Quarterly figures, {scope} ({unit.name})", "s", median, low, high, extra={
                    "reference": {"median": ref_median, "min": ref_low, "max": ref_high, "groups": groups},
                    "ratio": ratio, "received": mine["new"] + mine["carried_over"], "mismatches": mismatches,
                }),
                f"  figures {scope:<9} ours {_ms(median)} ({_ms(low)}–{_ms(high)})  reference {_ms(ref_median)} "
                f"({_ms(ref_low)}–{_ms(ref_high)})  ratio {ratio:.2f}  received {mine['new'] + mine['carried_over']:,}  {check}",
            )
            if mismatches:
                self.out("  " + "!" * 72)
        for scope, unit in (("district", self.district), ("province", self.province)):
            samples = [_timed(lambda: to_json(build_report(unit, self.period)))[0] for _ in range(self.runs)]
            median, low, high = _stats(samples)
            self.add(Result(f"report_json.{scope}", f"The report's JSON, {scope}", "s", median, low, high),
                     f"  report JSON {scope:<9} {_ms(median)} ({_ms(low)}–{_ms(high)})  build_report + to_json")

    # -- 2. exports -----------------------------------------------------------------------------------

    def exports(self) -> None:
        from reports.services import report_export

        self.out("2. Exports through report_export (the report job)")
        for key, label, unit, fmt in (
            ("export.district_xlsx", "District quarterly Excel", self.district, "xlsx"),
            ("export.district_pdf", "District quarterly PDF", self.district, "pdf"),
            ("export.province_xlsx", "Province consolidated Excel", self.province, "xlsx"),
            ("export.province_pdf", "Province consolidated PDF", self.province, "pdf"),
        ):
            samples, content = [], b""
            for _ in range(self.runs):
                seconds, content = _timed(lambda: report_export(unit=unit, period=self.period, fmt=fmt))
                samples.append(seconds)
            median, low, high = _stats(samples)
            extra = {"bytes": len(content)}
            pages = _pdf_pages(content) if fmt == "pdf" else None
            if pages:
                extra["pages"] = pages
            self.add(Result(key, label, "s", median, low, high, extra=extra),
                     f"  {label:<30} {_ms(median)} ({_ms(low)}–{_ms(high)})  {len(content):,} bytes"
                     + (f", {pages} pages" if pages else ""))

    # -- 3. list pages ----------------------------------------------------------------------------------

    def _sample(self, column: str, user, count: int = 60) -> list[str]:
        """Values of a column among the dossiers the user's desk received lately (search terms that exist)."""
        unit = user.membership.unit
        values = list(
            Dossier.objects.filter(receiving_unit__path__startswith=unit.path,
                                   received_at__gte=timezone.now() - timedelta(days=400))
            .exclude(**{column: ""}).order_by("?").values_list(column, flat=True)[:count]
        )
        return values or [""]

    def _page(self, key: str, label: str, client: Client, urls: list[tuple[str, dict]], *, public: bool = False) -> Result:
        rng = random.Random(7)
        samples, sql_samples, statuses = [], [], {}
        deadline = time.perf_counter() + self.page_seconds
        for n in range(self.requests + 3):
            if n > 53 and time.perf_counter() > deadline:
                break  # a slow page: 50 requests are enough to say how slow, and the run stays short
            path, params = urls[n % len(urls)] if len(urls) > 1 else urls[0]
            extra = {"REMOTE_ADDR": f"10.{n // 62500 % 250}.{n // 250 % 250}.{n % 250 + 1}"} if public else {}
            timer = _SqlTimer()
            with connection.execute_wrapper(timer):
                started = time.perf_counter()
                response = client.get(path, params, **extra)
                elapsed = time.perf_counter() - started
            status = str(response.status_code)
            statuses[status] = statuses.get(status, 0) + 1
            if n >= 3:  # the first requests warm the caches and the calendar
                samples.append(elapsed)
                sql_samples.append(timer.seconds)
        path, params = urls[rng.randrange(len(urls))]
        with CaptureQueriesContext(connection) as queries:
            client.get(path, params, **({"REMOTE_ADDR": "10.250.0.1"} if public else {}))
        p50, p95 = _percentile(samples, 50), _percentile(samples, 95)
        sql_ms = _percentile(sql_samples, 50) * 1000
        result = Result(key, label, "s", p95, min(samples), max(samples),
                        extra={"p50": p50, "p95": p95, "queries": len(queries), "sql_ms": sql_ms,
                               "sql_p95_ms": _percentile(sql_samples, 95) * 1000,
                               "requests": len(samples), "statuses": statuses})
        bad = {s: c for s, c in statuses.items() if s != "200"}
        return self.add(result, f"  {label:<46} p50 {_ms(p50):>7}  p95 {_ms(p95):>7}  max {_ms(max(samples)):>7}  "
                                f"{len(queries):>2} queries, SQL p50 {sql_ms:.0f} ms"
                                + (f"  !!! statuses {bad}" if bad else ""))

    def pages(self) -> None:
        self.out(f"3. List pages through the URL stack ({self.requests} requests each)")
        board = reverse("dossiers:board")
        queue = reverse("dossiers:queue")
        report_list = reverse("reports:dossiers")
        for who, user in (("commune", self.commune_desk), ("district", self.district_desk)):
            client = Client()
            client.force_login(user)
            unit = user.membership.unit
            self._page(f"page.{who}.board", f"{who} desk: board", client, [(board, {})])
            self._page(f"page.{who}.queue", f"{who} desk: processing queue", client, [(queue, {})])
            self._page(f"page.{who}.overdue", f"{who} desk: overdue dossiers (report list)", client,
                       [(report_list, {"unit": unit.code, "period": self.period.key, "figure": "overdue"}),
                        (report_list, {"unit": unit.code, "period": self.current.key, "figure": "overdue"})])
            codes = self._sample("code", user)
            self._page(f"page.{who}.search_code", f"{who} desk: search by code", client, [(board, {"q": c}) for c in codes])
            names = self._sample("applicant_name", user, 20)
            queries = [n for n in names] + [n.lower() for n in names]
            from motcua.text import strip_diacritics

            queries += [strip_diacritics(n).lower() for n in names]
            self._page(f"page.{who}.search_name", f"{who} desk: search by name", client, [(board, {"q": q}) for q in queries])
            ids = self._sample("applicant_id_number", user)
            self._page(f"page.{who}.search_cccd", f"{who} desk: search by CCCD", client, [(board, {"q": i}) for i in ids])
            phones = self._sample("applicant_phone", user)
            self._page(f"page.{who}.search_phone", f"{who} desk: search by phone", client, [(board, {"q": p}) for p in phones])
        # The public lookup: the code and the phone's last four digits, from many addresses.
        rows = list(
            Dossier.objects.exclude(status=Status.REFUSED).exclude(applicant_phone="").order_by("?")
            .values_list("code", "applicant_phone")[:300]
        )
        lookup = reverse("lookup:lookup")
        self._page("page.public.lookup", "public lookup (code + 4 phone digits)", Client(),
                   [(lookup, {"code": code, "phone4": phone[-4:]}) for code, phone in rows], public=True)

    # -- 4. intake --------------------------------------------------------------------------------------

    def _receive_batch(self, count: int, procedures: list[Procedure], seed: int) -> tuple[list[str], list[float], int]:
        from dossiers.services import Applicant, dossier_receive
        from motcua.audit import audit_context

        rng = random.Random(seed)
        codes, times, errors = [], [], 0
        with audit_context(actor=self.commune_desk.pk, unit=self.commune.pk):
            for n in range(count):
                applicant = Applicant(name=f"Người nộp {seed}-{n}", id_number=f"{rng.randrange(10**11, 10**12)}",
                                      phone=f"09{rng.randrange(10**7, 10**8)}", address="Thôn 1")
                started = time.perf_counter()
                try:
                    dossier = dossier_receive(unit=self.commune, procedure=rng.choice(procedures), applicant=applicant,
                                              by=self.commune_desk, channel=rng.choice([Channel.DIRECT, Channel.ONLINE]))
                except Exception as exc:  # counted and shown: a failed intake is a finding
                    errors += 1
                    if errors <= 3:
                        self.out(f"    intake error: {exc.__class__.__name__}: {exc}")
                    continue
                times.append(time.perf_counter() - started)
                codes.append(dossier.code)
        return codes, times, errors

    def intake(self) -> None:
        self.out(f"4. Intake through dossier_receive ({self.intake_size} dossiers, then again with {self.threads} threads)")
        procedures = list(Procedure.objects.posted_in(self.commune).in_force().order_by("code")[:30])
        self._receive_batch(3, procedures, seed=0)  # warm the calendar and the connection
        seconds, (codes, times, errors) = _timed(lambda: self._receive_batch(self.intake_size, procedures, seed=1))
        rate = len(codes) / seconds if seconds else 0.0
        self.add(Result("intake.sequential", "Intake, one thread", "dossiers/s", rate, extra={
            "dossiers": len(codes), "seconds": seconds, "errors": errors,
            "p50_ms": _percentile(times, 50) * 1000, "p95_ms": _percentile(times, 95) * 1000}),
            f"  intake sequential   {rate:6.1f} dossiers/s  ({len(codes)} in {seconds:.1f} s; p50 "
            f"{_ms(_percentile(times, 50))}, p95 {_ms(_percentile(times, 95))}; errors {errors})")

        per_thread = max(1, self.intake_size // self.threads)
        barrier = threading.Barrier(self.threads)

        def worker(n: int):
            try:
                barrier.wait()
                return self._receive_batch(per_thread, procedures, seed=100 + n)
            finally:
                connections.close_all()

        started = time.perf_counter()
        with ThreadPoolExecutor(self.threads) as pool:
            outcomes = list(pool.map(worker, range(self.threads)))
        seconds = time.perf_counter() - started
        all_codes = [code for codes, _t, _e in outcomes for code in codes]
        thread_errors = sum(e for _c, _t, e in outcomes)
        duplicates_in_run = len(all_codes) - len(set(all_codes))
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM (SELECT code FROM dossiers_dossier WHERE code = ANY(%s) "
                           "GROUP BY code HAVING count(*) > 1) d", [all_codes + codes])
            duplicates_in_db = cursor.fetchone()[0]
        duplicates = duplicates_in_run + duplicates_in_db
        rate = len(all_codes) / seconds if seconds else 0.0
        self.add(Result("intake.threads", f"Intake, {self.threads} threads", "dossiers/s", rate, extra={
            "dossiers": len(all_codes), "seconds": seconds, "errors": thread_errors, "threads": self.threads}),
            f"  intake {self.threads} threads   {rate:6.1f} dossiers/s  ({len(all_codes)} in {seconds:.1f} s; errors {thread_errors})")
        self.add(Result("intake.duplicates", f"Duplicate codes at {self.threads} threads", "codes", duplicates,
                        extra={"errors": thread_errors}),
                 f"  duplicate codes     {duplicates}" + ("  !!! DUPLICATES !!!" if duplicates else ""))

    # -- 5. memory --------------------------------------------------------------------------------------

    def memory(self) -> None:
        self.out("5. Peak memory of the report job on the province (a child process)")
        env = {**os.environ, "BENCH_DATABASE_NAME": settings.DATABASES["default"]["NAME"]}
        for fmt in ("xlsx", "pdf"):
            done = subprocess.run(
                ["/bin/sh", "-c", '"$@"; exit $?', "sh", sys.executable, "-c", LAUNCHER, REPORT_JOB,
                 self.province.code, self.period.key, fmt],
                cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=900,
            )
            report = json.loads(done.stdout.strip().splitlines()[-1]) if done.stdout.strip() else {}
            if done.returncode or report.get("returncode"):
                self.out(f"  report job failed: {(report.get('stderr') or done.stderr)[-2000:]}")
                continue
            job = report["job"]
            peak_mb = report["children_maxrss_kb"] / 1024
            hwm_mb = (job.get("vm_hwm_kb") or 0) / 1024
            self.add(Result(f"memory.province_{fmt}", f"Report job peak RSS, province {fmt.upper()}", "MB", peak_mb, extra={
                "seconds_in_job": job["seconds"], "bytes": job["bytes"], "vm_hwm_mb": hwm_mb}),
                f"  report job province {fmt:<4}  peak RSS {peak_mb:.0f} MB (ru_maxrss of the child; its VmHWM "
                f"{hwm_mb:.0f} MB); {job['seconds']:.1f} s in the job, {job['bytes']:,} bytes")
        self.web_worker_memory()

    def web_worker_memory(self) -> None:
        """gunicorn with one sync worker on the bench's database, a round of requests over HTTP (signed in as
        the commune's desk officer, and as the province's administrator for the upload), then the worker's
        VmHWM (its peak resident size since it started) read from /proc before it is stopped."""
        import socket
        import urllib.error
        import urllib.request
        from urllib.parse import urlencode

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "motcua.settings"}
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "motcua.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", "1", "--timeout", "30", "--log-level", "warning"],
            cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        base = f"http://127.0.0.1:{port}"
        statuses: dict[str, int] = {}

        def session_of(user) -> dict[str, str]:
            client = Client()
            client.force_login(user)
            return {name: morsel.value for name, morsel in client.cookies.items()}

        def call(path: str, cookies: dict[str, str], *, data: bytes | None = None, content_type: str = "") -> bytes:
            request = urllib.request.Request(base + path, data=data, headers={
                "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()), "Host": "127.0.0.1",
                **({"Content-Type": content_type} if content_type else {}),
            })
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    status, body = response.status, response.read()
                    for header in response.headers.get_all("Set-Cookie") or []:
                        name, _eq, value = header.split(";", 1)[0].partition("=")
                        cookies[name.strip()] = value
            except urllib.error.HTTPError as error:
                status, body = error.code, error.read()
            statuses[str(status)] = statuses.get(str(status), 0) + 1
            return body

        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    urllib.request.urlopen(base + reverse("healthz"), timeout=2).read()
                    break
                except (OSError, urllib.error.URLError):
                    if time.monotonic() > deadline or server.poll() is not None:
                        self.out(f"  web worker did not start: {server.stderr.read()[-2000:] if server.poll() is not None else ''}")
                        return
                    time.sleep(0.2)
            workers = _children(server.pid)
            started = time.perf_counter()
            desk = session_of(self.commune_desk)
            month = {"from": (timezone.localdate() - timedelta(days=30)).strftime("%d/%m/%Y"),
                     "to": timezone.localdate().strftime("%d/%m/%Y")}
            paths = [reverse("dossiers:board"), reverse("dossiers:queue"), reverse("procedures:procedure-list"),
                     reverse("forms:register") + "?" + urlencode(month),
                     reverse("forms:register-xlsx") + "?" + urlencode(month),
                     reverse("forms:register-pdf") + "?" + urlencode(month),
                     reverse("reports:index") + "?" + urlencode({"unit": self.commune.code, "period": self.period.key})]
            for _round in range(max(1, min(self.runs, 3))):
                for path in paths:
                    call(path, desk)
            # A catalogue file of about 5 MB (the largest accepted) through the import screen.
            admin = session_of(get_user_model().objects.get(username="bench.province"))
            call(reverse("procedures:procedure-import"), admin)
            with tempfile.TemporaryDirectory() as folder:
                catalogue = Path(folder) / "danh-muc.csv"
                self._catalogue_csv(catalogue, 24_000)  # about 5 MB; cut at the last whole line below 5 MB
                content = catalogue.read_bytes()[: 5 * 1024 * 1024 - 1]
                content = content[: content.rindex(b"\n") + 1]
            boundary = "benchboundary7d1c"
            body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrfmiddlewaretoken\"\r\n\r\n"
                    f"{admin.get('csrftoken', '')}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                    f"filename=\"danh-muc.csv\"\r\nContent-Type: text/csv\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
            call(reverse("procedures:procedure-import"), admin, data=body, content_type=f"multipart/form-data; boundary={boundary}")
            seconds = time.perf_counter() - started
            peaks = {pid: _proc_status_kb(pid) for pid in workers}
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        peak_kb = max((hwm for hwm, _rss in peaks.values() if hwm), default=None)
        rss_kb = max((rss for _hwm, rss in peaks.values() if rss), default=None)
        if peak_kb is None:
            self.out("  web worker: its peak memory could not be read from /proc")
            return
        requests = sum(statuses.values())
        bad = {status: count for status, count in statuses.items() if status not in ("200", "302", "400")}
        self.add(Result("memory.web_worker", "Web worker peak RSS after its requests", "MB", peak_kb / 1024, extra={
            "seconds_in_job": seconds, "requests": requests, "statuses": statuses, "vm_rss_mb": (rss_kb or 0) / 1024}),
            f"  web worker (gunicorn, 1 sync worker)  peak RSS {peak_kb / 1024:.0f} MB (VmHWM; now {(rss_kb or 0) / 1024:.0f} MB) "
            f"after {requests} requests in {seconds:.1f} s, a 5 MB upload among them; statuses {statuses}"
            + (f"  !!! statuses {bad}" if bad else ""))

    # -- 6. imports -------------------------------------------------------------------------------------

    def _dossier_csv(self, path: Path, count: int) -> None:
        """Historical dossiers of the communes, received in an earlier year than the generated ones,
        in the previous software's layout (half with their due moment, half to compute)."""
        rng = random.Random(11)
        communes = list(AdministrativeUnit.objects.filter(path__startswith=self.province.path, level="commune")
                        .values_list("id", "code"))
        identifiers = dict(
            AdministrativeUnit.objects.filter(agencies__kind="ubnd").values_list("id", "agencies__identifier"))
        procedures = list(Procedure.objects.filter(level="commune").values_list("code", "processing_days"))
        first = timezone.localtime(Dossier.objects.order_by("received_at").values_list("received_at", flat=True).first()
                                   or timezone.now(), VN_TZ).replace(tzinfo=None) - timedelta(days=400)
        numbers: dict[tuple[str, str], int] = {}
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["code", "unit_code", "procedure_code", "channel", "received_at", "due_at", "resolved_at",
                             "returned_at", "components_digitized", "result_digitized", "paid_online", "applicant_name",
                             "applicant_id_number", "applicant_phone"])
            for n in range(count):
                unit_id, unit_code = rng.choice(communes)
                code, days = rng.choice(procedures)
                day = first + timedelta(days=rng.randrange(360))
                while day.weekday() >= 5:
                    day += timedelta(days=1)
                received = day.replace(hour=7, minute=30, second=0) + timedelta(minutes=rng.randrange(480))
                if received.hour >= 11 and received.hour < 13:
                    received += timedelta(hours=2)
                due = received + timedelta(days=max(1, int(days) * 7 // 5))
                resolved = received + (due - received) * rng.random()
                returned = resolved + timedelta(hours=rng.randrange(1, 48))
                key = (unit_code, received.strftime("%y%m%d"))
                numbers[key] = numbers.get(key, 0) + 1
                writer.writerow([
                    f"{identifiers[unit_id]}-{key[1]}-{numbers[key]:04d}", unit_code, code,
                    rng.choice(["Trực tuyến", "Trực tuyến", "Trực tiếp", "online", "direct", "Bưu chính"]),
                    received.strftime("%d/%m/%Y %H:%M"), due.strftime("%d/%m/%Y %H:%M") if n % 2 else "",
                    resolved.strftime("%d/%m/%Y %H:%M"), returned.strftime("%d/%m/%Y %H:%M"),
                    rng.choice(["full", "partial", "none", "Toàn bộ"]), rng.choice(["1", "0"]), rng.choice(["1", "0", "có"]),
                    f"{rng.choice(generate.FAMILY)} {rng.choice(generate.MIDDLE)} {rng.choice(generate.GIVEN)}",
                    f"{rng.randrange(10**11, 10**12)}", f"09{rng.randrange(10**7, 10**8)}",
                ])

    def _catalogue_csv(self, path: Path, count: int) -> None:
        rng = random.Random(13)
        fields = list(Field.objects.values_list("code", "name"))
        with path.open("w", newline="", encoding="utf-8-sig") as handle:
            writer = csv.writer(handle)
            writer.writerow(["Mã TTHC", "Tên TTHC", "Mã lĩnh vực", "Lĩnh vực", "Cấp thực hiện", "Thời hạn giải quyết",
                             "Phí, lệ phí", "Mức độ DVC", "Thành phần hồ sơ", "Số quyết định", "Ngày quyết định"])
            for n in range(count):
                code, name = rng.choice(fields)
                writer.writerow([
                    f"3.{200000 + n}", f"Thủ tục thử nghiệm số {n + 1} lĩnh vực {name.lower()}", code, name,
                    rng.choice(["Cấp xã", "Cấp huyện", "xã", "huyện"]), rng.choice(["3", "5", "0,5", "Trong ngày", "15 ngày làm việc"]),
                    rng.choice(["Không", "Lệ phí: 8.000 đồng", "Phí: 20.000 đồng; Lệ phí: 10.000 đồng"]),
                    rng.choice(["Toàn trình", "Một phần", "Không"]),
                    "Tờ khai (1 bản chính); Giấy tờ tùy thân (1 bản sao)", "1234/QĐ-UBND", "01/03/2024",
                ])

    def imports(self) -> None:
        from dossiers.importing import HEADER_ALIASES, REQUIRED_COLUMNS, dossiers_import
        from motcua.tabular import read_rows
        from procedures.importing import procedures_import

        self.out(f"6. Imports ({self.import_dossiers:,} historical dossiers, a {self.import_procedures:,}-row catalogue)")
        with tempfile.TemporaryDirectory(prefix="motcua-bench-") as folder:
            dossiers_file = Path(folder) / "ho-so.csv"
            self._dossier_csv(dossiers_file, self.import_dossiers)
            before = Dossier.objects.count()

            def run_dossiers():
                rows = read_rows(dossiers_file, required=REQUIRED_COLUMNS, aliases=HEADER_ALIASES)
                return dossiers_import(rows=rows)

            seconds, report = _timed(run_dossiers)
            created = Dossier.objects.count() - before
            errors = report.errors[:3]
            self.add(Result("import.dossiers", f"Import of {self.import_dossiers:,} historical dossiers", "s", seconds, extra={
                "rows": report.rows, "created": created, "errors": len(report.errors),
                "rows_per_second": created / seconds if seconds else None, "due_computed": report.due_computed}),
                f"  import dossiers     {seconds:.1f} s for {created:,} dossiers ({created / seconds:,.0f}/s)"
                + (f"  !!! {len(report.errors)} errors, e.g. {errors}" if report.errors else ""))

            catalogue_file = Path(folder) / "thu-tuc.csv"
            self._catalogue_csv(catalogue_file, self.import_procedures)
            before = Procedure.objects.count()
            seconds, report = _timed(lambda: procedures_import(source=str(catalogue_file)))
            created = Procedure.objects.count() - before
            self.add(Result("import.procedures", f"Import of a {self.import_procedures:,}-row catalogue", "s", seconds, extra={
                "rows": len(report.rows), "created": created, "errors": len(report.errors),
                "rows_per_second": created / seconds if seconds else None}),
                f"  import catalogue    {seconds:.1f} s for {created:,} procedures ({created / seconds:,.0f}/s)"
                + (f"  !!! {len(report.errors)} errors, e.g. {report.errors[:3]}" if report.errors else ""))


    # -- 7. intake with files -------------------------------------------------------------------------------

    def files(self) -> None:
        """Dossiers taken in with their files, each timed from ``dossier_receive`` to the last file stored:
        a 20-page scan of one component (A4 at 150 dpi, grey, JPEG — what a desk scanner makes — through
        ``scan_job_start`` and the job, which checks and joins the pages into one PDF), and three
        components each given as a single one-page PDF (``prepare`` + ``component_update``). The files go
        to a throwaway MEDIA_ROOT; the bytes they take there are divided by the dossiers and multiplied
        by 100,000."""
        from django.test.utils import override_settings

        self.out(f"7. Intake with files ({self.files_size} dossiers with a 20-page scan, {self.files_size} with 3 single PDFs)")
        pages = [_scanned_page(seed) for seed in range(20)]
        singles = [_single_pdf(page) for page in pages[:3]]
        with tempfile.TemporaryDirectory(prefix="motcua-bench-files-") as folder, override_settings(MEDIA_ROOT=folder), \
                _celery_in_process():
            root = Path(folder)
            for key, label, kind in (("files.scan20", "Intake with a 20-page scan, joined by the job", "scan"),
                                     ("files.pdf3", "Intake with 3 single PDFs", "pdf")):
                before = _bytes_under(root)
                times, errors = self._intake_with_files(kind, pages if kind == "scan" else singles)
                stored = _bytes_under(root) - before
                done = len(times)
                per_dossier = stored / done if done else 0
                median, low, high = _stats(times) if times else (None, None, None)
                self.add(Result(key, label, "s", median, low, high, extra={
                    "dossiers": done, "errors": errors, "p95_ms": _percentile(times, 95) * 1000 if times else None,
                    "bytes_per_dossier": per_dossier, "gb_per_100k": per_dossier * 100_000 / 1e9}),
                    f"  {label:<46} p50 {_ms(median or 0)}, p95 {_ms(_percentile(times, 95) if times else 0)}; "
                    f"{per_dossier / 1e6:,.2f} MB a dossier → {per_dossier * 100_000 / 1e9:,.0f} GB per 100,000 dossiers"
                    + (f"  !!! {errors} errors" if errors else ""))

    def _intake_with_files(self, kind: str, contents: list[bytes]) -> tuple[list[float], int]:
        from django.core.files.uploadedfile import SimpleUploadedFile

        from dossiers import files as dossier_files
        from dossiers import scan_jobs
        from dossiers.models import ReceivedComponent, ReceivedForm
        from dossiers.services import Applicant, dossier_receive
        from motcua.audit import audit_context
        from motcua.models import JobStatus

        procedure = Procedure.objects.posted_in(self.commune).in_force().order_by("code").first()
        rng = random.Random(7)
        times, errors = [], 0
        with audit_context(actor=self.commune_desk.pk, unit=self.commune.pk):
            for n in range(self.files_size):
                applicant = Applicant(name=f"Người nộp tệp {kind}-{n}", id_number=f"{rng.randrange(10**11, 10**12)}",
                                      phone=f"09{rng.randrange(10**7, 10**8)}", address="Thôn 1")
                started = time.perf_counter()
                try:
                    dossier = dossier_receive(unit=self.commune, procedure=procedure, applicant=applicant, by=self.commune_desk,
                                              channel=Channel.DIRECT)
                    # The generated catalogue lists no components: the desk's three, as intake records them.
                    components = ReceivedComponent.objects.bulk_create([
                        ReceivedComponent(dossier=dossier, position=i, name=name, form=ReceivedForm.ORIGINAL, copies=1)
                        for i, name in enumerate(("Tờ khai", "Giấy tờ tùy thân", "Giấy tờ chứng minh"))])
                    if kind == "scan":
                        uploads = [SimpleUploadedFile(f"trang-{i:02d}.jpg", page) for i, page in enumerate(contents, 1)]
                        job = scan_jobs.scan_job_start(dossier=dossier, component=components[0], uploads=uploads,
                                                       by=self.commune_desk)
                        job.refresh_from_db()
                        if job.status != JobStatus.DONE or job.result.pages != len(contents):
                            raise RuntimeError(f"scan job {job.status}: {job.error}")
                    else:
                        for component, content in zip(components, contents):
                            prepared = dossier_files.prepare([SimpleUploadedFile(f"{component.position}.pdf", content)])
                            dossier_files.component_update(dossier=dossier, component=component, form=component.form,
                                                           copies=1, prepared=prepared, by=self.commune_desk)
                except Exception as exc:  # counted and shown: a failed intake is a finding
                    errors += 1
                    if errors <= 3:
                        self.out(f"    intake with files error: {exc.__class__.__name__}: {exc}")
                    continue
                times.append(time.perf_counter() - started)
        return times, errors


def _scanned_page(seed: int) -> bytes:
    """One A4 page as a desk scanner makes it (150 dpi, grey, JPEG): lines of dark words on off-white."""
    from io import BytesIO

    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    image = Image.new("L", (1240, 1754), 250)
    draw = ImageDraw.Draw(image)
    y = 150
    while y < 1600:
        x = 120
        while x < 1100:
            width = rng.randint(20, 90)
            draw.rectangle([x, y, min(x + width, 1120), y + 18], fill=rng.randint(20, 60))
            x += width + rng.randint(10, 18)
        y += rng.randint(34, 44)
    out = BytesIO()
    image.save(out, format="JPEG", quality=75)
    return out.getvalue()


def _single_pdf(page: bytes) -> bytes:
    """A one-page PDF as a scanner's "scan to PDF" writes it (the JPEG page inside)."""
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.open(BytesIO(page)).save(out, format="PDF", resolution=150.0, quality="keep")
    return out.getvalue()


def _bytes_under(root: Path) -> int:
    return sum(path.stat().st_size for path in root.rglob("*") if path.is_file()) if root.exists() else 0


class _celery_in_process:
    """The scan job runs in-process once sent, as without a broker (CELERY_TASK_ALWAYS_EAGER); the app is
    left as it was, its broker pools unbuilt (as tests/functional/test_journeys.py does)."""

    def __enter__(self):
        from motcua.celery import app

        self.app = app
        self.previous = (app.conf.task_always_eager, app.conf.task_eager_propagates)
        self.pools = (app._pool, app.amqp._producer_pool)
        app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
        return self

    def __exit__(self, *exc):
        self.app.conf.task_always_eager, self.app.conf.task_eager_propagates = self.previous
        self.app._pool, self.app.amqp._producer_pool = self.pools
        return False
