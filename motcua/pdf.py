"""HTML → PDF with WeasyPrint, fetching nothing from outside.

Templates link their stylesheet from static/css/ (the same file the browser loads for ?format=html:
the Content-Security-Policy allows no inline style); the only files WeasyPrint may load are the project's own static
files (``static:`` or ``/static/`` URLs), so a printed form never waits on the network.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path
from urllib.parse import unquote

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header  # quotes or percent-encodes the file name


def _static_file(url: str) -> str | None:
    """The path of the project's static file a stylesheet or image URL names, or None. With ``base_url="/"``
    WeasyPrint resolves ``/static/css/print-form.css`` (what ``{% static %}`` writes) to ``file:///static/…``."""
    for prefix in ("static:", "file:///static/", "/static/"):
        if url.startswith(prefix):
            name = unquote(url[len(prefix):].split("?")[0]).lstrip("/")
            return finders.find(name) if name and ".." not in name.split("/") else None
    return None


@cache
def _local_only_class():
    """A WeasyPrint URL fetcher that loads the project's static files and refuses everything else."""
    from weasyprint.urls import URLFetcher

    class LocalOnly(URLFetcher):
        def fetch(self, url, headers=None):
            path = _static_file(url)
            if not path:
                raise ValueError(f"refused to fetch {url!r}: printed forms load nothing from outside")
            return super().fetch(Path(path).as_uri(), headers)

    return LocalOnly


def _local_only():
    return _local_only_class()(allowed_protocols={"file"})  # one per document: a fetcher keeps request state


def render_pdf(template_name: str, context: dict, *, request=None) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template_name, context, request=request)
    return HTML(string=html, url_fetcher=_local_only(), base_url="/").write_pdf()


def pdf_response(pdf: bytes, filename: str, *, inline: bool = True):
    from django.http import HttpResponse

    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(not inline, filename)
    return response
