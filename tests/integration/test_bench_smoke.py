"""`manage.py bench` end to end on a tiny province, so that `make bench` keeps working.

The benchmark itself (2,000,000 dossiers) runs only through `make bench`; here every section runs
once on 2,000 dossiers, and the outputs are checked: the figures agree with the SQL reference, every
page answers 200, intake gives no duplicate code, the JSON and the Markdown are written.
"""
import json
from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db(transaction=True)  # threads, a child process and VACUUM need commits


def test_the_benchmark_runs_every_section_on_a_small_province(tmp_path):
    out = StringIO()
    call_command(
        "bench", "--size", "2000", "--runs", "1", "--requests", "2", "--intake", "20", "--threads", "4",
        "--import-dossiers", "300", "--import-procedures", "10", "--files", "2",
        "--output-json", str(tmp_path / "bench.json"), "--docs", str(tmp_path / "benchmarks.md"), stdout=out,
    )
    printed = out.getvalue()
    assert "MISMATCH" not in printed and "!!!" not in printed, printed
    assert "web worker (gunicorn, 1 sync worker)  peak RSS" in printed, printed

    data = json.loads((tmp_path / "bench.json").read_text(encoding="utf-8"))
    results = data["results"]
    assert data["generation"]["size"] == 2000 and data["scenario"]["dossiers"] >= 2000
    for scope in ("commune", "district", "province"):
        figures = results[f"figures.{scope}"]
        assert figures["extra"]["mismatches"] == {} and figures["extra"]["ratio"] > 0
    assert results["figures.province"]["extra"]["received"] > 0
    for key in ("export.district_pdf", "export.province_xlsx", "memory.province_pdf", "memory.province_xlsx", "memory.web_worker",
                "page.public.lookup", "page.district.search_name", "import.dossiers", "import.procedures"):
        assert results[key]["value"] is not None, key
    pages = [r for key, r in results.items() if key.startswith("page.")]
    assert len(pages) == 15 and all(set(r["extra"]["statuses"]) == {"200"} for r in pages)
    assert results["intake.duplicates"]["value"] == 0 and results["intake.threads"]["extra"]["errors"] == 0
    assert results["import.dossiers"]["extra"]["created"] == 300 and results["import.procedures"]["extra"]["created"] == 10
    # Intake with files: a 20-page scan joined by the job, and three single PDFs, with the storage they take.
    for key in ("files.scan20", "files.pdf3"):
        assert results[key]["extra"]["dossiers"] == 2 and results[key]["extra"]["errors"] == 0, results[key]
        assert results[key]["value"] > 0 and results[key]["extra"]["bytes_per_dossier"] > 0
    assert results["files.scan20"]["extra"]["bytes_per_dossier"] > 3 * results["files.pdf3"]["extra"]["bytes_per_dossier"]
    assert "GB per 100,000 dossiers" in printed
    assert {t["key"] for t in data["targets"]} >= {"figures.province", "export.district_pdf", "intake.duplicates"}

    markdown = (tmp_path / "benchmarks.md").read_text(encoding="utf-8")
    assert "Intake with a 20-page scan, joined by the job" in markdown
    for heading in ("## The machine", "## The figures", "## The targets", "## Intake with files, and the storage they take",
                    "## Scale beyond one machine"):
        assert heading in markdown
