"""No inline style anywhere a browser is served: the Content-Security-Policy's style-src is 'self' only, so a
``style="…"`` attribute or a ``<style>`` block would be dropped by the browser. Styles live in static/css/.

Three templates are exempt: WeasyPrint renders them to PDF bytes (``motcua.pdf.render_pdf``) and no view ever
answers them as HTML, so no Content-Security-Policy applies to them. The printed forms that do have an HTML
preview (``?format=html``) link static/css/print-form.css or print-letter.css instead.
"""
from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

from motcua.documents import unbroken

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
PDF_ONLY = {
    "dossiers/print/register_pdf.html",  # dossiers.printing.views.register_pdf: PDF bytes only
    "procedures/posting_pdf.html",  # procedures.exports.posting_pdf_bytes: PDF bytes only
    "reports/pdf/report.html",  # reports.formatters.PDF_TEMPLATE: PDF bytes only
}
INLINE = re.compile(r"""\sstyle\s*=|<style[\s>]""", re.IGNORECASE)
SOURCES = ("motcua", "procedures", "dossiers", "reports")


def _served_templates():
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES).as_posix()
        if name not in PDF_ONLY:
            yield name, path.read_text(encoding="utf-8")


def test_no_served_template_carries_an_inline_style():
    offenders = [
        f"templates/{name}:{number}"
        for name, text in _served_templates()
        for number, line in enumerate(text.splitlines(), 1)
        if INLINE.search(line)
    ]
    assert offenders == []


def test_the_pdf_only_templates_still_exist():
    """An exemption for a template that was renamed or removed must go too."""
    assert all((TEMPLATES / name).is_file() for name in PDF_ONLY)


def test_no_python_code_writes_a_style_attribute_into_html():
    offenders = [
        f"{path.relative_to(ROOT).as_posix()}:{number}"
        for app in SOURCES
        for path in sorted((ROOT / app).rglob("*.py"))
        if "/migrations/" not in path.as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"""style=\\?["']""", line) and "Side(" not in line  # openpyxl's border sides are not HTML
    ]
    assert offenders == []


def test_an_instrument_number_is_kept_whole_by_a_class_not_an_inline_style():
    html = unbroken("Mẫu số 01 ban hành kèm theo Thông tư số 01/2018/TT-VPCP")
    assert '<span class="nowrap">01/2018/TT-VPCP</span>' in html
    assert "style=" not in html


def test_the_content_security_policy_allows_no_inline_style_or_script():
    csp = settings.CONTENT_SECURITY_POLICY
    assert "style-src 'self';" in csp and "script-src 'self';" in csp
    assert "unsafe-inline" not in csp
