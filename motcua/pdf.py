"""HTML → PDF with WeasyPrint, fetching nothing from outside.

Templates carry their CSS inline; the only files WeasyPrint may load are the project's own static
files (``static:`` or ``/static/`` URLs), so a printed form never waits on the network.
"""
from __future__ import annotations

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header  # quotes or percent-encodes the file name


def _local_only(url: str, *args, **kwargs):
    from weasyprint.urls import default_url_fetcher

    for prefix in ("static:", "/static/"):
        if url.startswith(prefix):
            path = finders.find(url[len(prefix):].lstrip("/"))
            if path:
                return default_url_fetcher(f"file://{path}")
    raise ValueError(f"refused to fetch {url!r}: printed forms load nothing from outside")


def render_pdf(template_name: str, context: dict, *, request=None) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template_name, context, request=request)
    return HTML(string=html, url_fetcher=_local_only, base_url="/").write_pdf()


def pdf_response(pdf: bytes, filename: str, *, inline: bool = True):
    from django.http import HttpResponse

    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(not inline, filename)
    return response
