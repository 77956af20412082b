"""The citizen downloads the electronic result of a finished dossier (no sign-in), under /tra-cuu/.

The page asks what the lookup asks (the dossier code and the last 4 digits of the phone given at the
desk), checks them with the lookup's own check (``views._public_dossier``: the same answer and the
same work for "no such code" and "wrong digits") under the lookup's rate limits, and lists the result
files of a dossier that is resolved or returned. Each download link carries a pass signed for that
one file and good for ``MAX_AGE`` seconds: no address of a file can be guessed or kept for later, and
a component the citizen handed in is never offered here. Every download is logged as an export of
personal data (motcua.audit), as the officers' downloads are.
"""
from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import path
from django.views.decorators.http import require_safe

from dossiers.models import DossierFile, FileRole, Status
from dossiers.public.views import _private, checked_lookup
from motcua import tokens
from motcua.audit import log_access

MAX_AGE = 30 * 60  # seconds
# A result the citizen may download: the dossier is resolved (result ready) or the result was returned.
FINISHED = (Status.RESOLVED, Status.RETURNED)


def issue(dossier_file: DossierFile, code: str) -> str:
    return tokens.sign(tokens.RESULT_FILE, {"f": dossier_file.pk, "c": code})


def _file_of(token: str) -> DossierFile | None:
    data = tokens.unsign(tokens.RESULT_FILE, token, max_age=MAX_AGE)
    if not isinstance(data, dict) or not isinstance(data.get("f"), int) or not isinstance(data.get("c"), str):
        return None
    return (
        DossierFile.objects.filter(pk=data["f"], role=FileRole.RESULT, dossier__code=data["c"], dossier__status__in=FINISHED,
                                   removed_at__isnull=True)
        .select_related("dossier").first()
    )


def result_links(dossier_pk: int, code: str) -> list[dict]:
    """The result files of a finished dossier whose code and digits were just checked, each with its
    signed download link and its signature's check (the lookup and the download page show these)."""
    rows = DossierFile.objects.filter(dossier_id=dossier_pk, role=FileRole.RESULT, dossier__status__in=FINISHED,
                                      removed_at__isnull=True)  # a removed (wrong) result is never offered
    return [
        {"name": row.original_name, "pages": row.pages, "size": row.size, "token": issue(row, code),
         "signature_check": row.signature_check}
        for row in rows.order_by("uploaded_at", "pk")
    ]


@require_safe
def result_files(request: HttpRequest) -> HttpResponse:
    """The form (code and phone digits), and the result files of the dossier they open."""
    checked = checked_lookup(request)
    if checked.refusal is not None:
        return checked.refusal
    context = {"form": checked.form, "searched": checked.searched, "dossier": None, "files": [], "nav": "lookup"}
    found = checked.found
    if found is not None:
        pk = found.pop("pk")
        context["dossier"] = found
        context["finished"] = found["status"] in FINISHED
        if context["finished"]:
            context["files"] = result_links(pk, found["code"])
    # Rendered without the request, as the lookup: no session, no CSRF token.
    return _private(HttpResponse(render_to_string("dossiers/public/files.html", context)))


@require_safe
def result_download(request: HttpRequest, token: str) -> HttpResponse:
    """One result file, through a fresh pass issued by the page above."""
    from dossiers.views import stream_file

    dossier_file = _file_of(token)
    if dossier_file is None:
        raise Http404
    log_access(request=request, table=DossierFile._meta.db_table, row_id=dossier_file.pk, action="export",
               detail={"dossier": dossier_file.dossier.code, "sha256": dossier_file.sha256, "by": "citizen (lookup)"})
    response = stream_file(dossier_file)
    response["Referrer-Policy"] = "no-referrer"
    return response



# Added to the lookup's URLs (dossiers.public.urls, namespace "lookup").
urlpatterns = [
    path("ket-qua-dien-tu/", result_files, name="result-files"),
    path("ket-qua-dien-tu/<str:token>/", result_download, name="result-file"),
]
