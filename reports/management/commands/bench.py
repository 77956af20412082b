"""`manage.py bench`: the province-scale benchmark (issue 7). Run it through `make bench`
(scripts/bench.sh), which gives it a throwaway PostgreSQL: it writes millions of rows."""
from __future__ import annotations

import json
import logging
import os
import warnings
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from reports.bench import document, generate, measure

SECTIONS = ("figures", "exports", "pages", "intake", "memory", "imports", "files")


class Command(BaseCommand):
    help = (
        "Generate a province with N dossiers in PostgreSQL (unless --skip-generate) and measure the report "
        "figures against a hand-written SQL reference, the exports, the list pages, intake, the report job's "
        "memory and the imports; print one line per figure, write the JSON and docs/benchmarks.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("--size", type=int, default=2_000_000, help="Dossiers to generate (default 2000000)")
        parser.add_argument("--runs", type=int, default=5, help="Runs per timed figure; the median is reported (default 5)")
        parser.add_argument("--output-json", help="Where to write the JSON (default var/bench/bench-<timestamp>.json)")
        parser.add_argument("--skip-generate", action="store_true", help="Measure the data already in the database")
        parser.add_argument("--requests", type=int, default=200, help="Requests per list page (default 200)")
        parser.add_argument("--page-seconds", type=float, default=60.0,
                            help="Stop sampling a page after this long, once it has 50 requests (default 60)")
        parser.add_argument("--intake", type=int, default=300, help="Dossiers taken in, sequentially and again with threads (default 300)")
        parser.add_argument("--threads", type=int, default=20, help="Threads for the concurrent intake (default 20)")
        parser.add_argument("--import-dossiers", type=int, default=100_000, help="Rows of the historical import (default 100000)")
        parser.add_argument("--import-procedures", type=int, default=5_000, help="Rows of the catalogue import (default 5000)")
        parser.add_argument("--files", type=int, default=20,
                            help="Dossiers taken in with a 20-page scan, and again with 3 single PDFs (default 20)")
        parser.add_argument("--only", help=f"Comma-separated sections to measure: {', '.join(SECTIONS)} (default all)")
        parser.add_argument("--from-json", help="Measure nothing: write the Markdown again from a saved run's JSON")
        parser.add_argument("--docs", default=str(Path(settings.BASE_DIR) / "docs" / "benchmarks.md"),
                            help="The Markdown file to write (default docs/benchmarks.md); '-' for none")

    def handle(self, *args, **options):
        if options["from_json"]:
            source = Path(options["from_json"])
            docs = Path(options["docs"])
            data = json.loads(source.read_text(encoding="utf-8"))
            data["targets"] = document.evaluate(data["results"], data["options"])  # the verdicts as worded now
            document.write_markdown(docs, data, json_path=source)
            self.stdout.write(f"Markdown: {docs} (from {source})")
            return
        if connection.vendor != "postgresql":
            raise CommandError("The benchmark runs on PostgreSQL: use `make bench` (scripts/bench.sh).")
        only = set(SECTIONS)
        if options["only"]:
            only = {part.strip() for part in options["only"].split(",") if part.strip()}
            unknown = only - set(SECTIONS)
            if unknown:
                raise CommandError(f"Unknown sections: {', '.join(sorted(unknown))}")
        if options["runs"] < 1 or options["size"] < 1:
            raise CommandError("--runs and --size must be at least 1.")
        started = timezone.now()
        load_at_start = [round(x, 2) for x in os.getloadavg()]
        out = self.stdout.write
        # WeasyPrint narrates every layout step at INFO, and WhiteNoise warns of a missing STATIC_ROOT
        # on each new handler: neither belongs between the figures.
        for name in ("weasyprint", "fontTools"):
            logging.getLogger(name).setLevel(logging.WARNING)
        warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)

        generated = None
        if options["skip_generate"]:
            if not generate.already_generated():
                raise CommandError("No benchmark data in this database: run without --skip-generate.")
        else:
            if generate.already_generated():
                raise CommandError("This database already holds the benchmark's province: use --skip-generate, "
                                   "or a fresh database (scripts/bench.sh makes one).")
            out(f"Generating a province with {options['size']:,} dossiers …")
            generated = generate.generate(size=options["size"], log=out)
            out(f"Generated in {generated.seconds:.0f} s.")

        bench = measure.Bench(runs=options["runs"], requests=options["requests"], intake=options["intake"],
                              threads=options["threads"], import_dossiers=options["import_dossiers"],
                              import_procedures=options["import_procedures"], page_seconds=options["page_seconds"],
                              files=options["files"], out=out)
        results = bench.run(only)

        machine = {**document.machine(), "load_average_start": load_at_start}
        payload = document.payload(started=started, options=options, generated=generated, machine=machine,
                                   scenario=bench.scenario, results=results)
        json_path = Path(options["output_json"] or document.default_json_path(started))
        document.write_json(json_path, payload)
        out(f"JSON: {json_path}")
        if options["docs"] != "-":
            docs = Path(options["docs"])
            document.write_markdown(docs, payload, json_path=json_path)
            out(f"Markdown: {docs}")
        missed = [r for r in payload["targets"] if r["met"] is False]
        if missed:
            out(self.style.WARNING(f"{len(missed)} target(s) missed: " + "; ".join(r["name"] for r in missed)))
        else:
            out(self.style.SUCCESS("Every measured target met."))
