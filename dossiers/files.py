"""The electronic dossier: what the desk received per component, the files of the components and of the
result, their reuse for the same citizen, and the digitisation measured from them.

A file is checked by its content, never by its name: PDF (``%PDF-``), JPEG (``FF D8 FF``) or PNG
(``89 50 4E 47``), no larger than ``settings.DOSSIER_FILE_MAX_BYTES``; anything else is refused with
a message and nothing is kept. Several pages scanned for one component (images or PDFs) are joined
into one PDF; a single PDF is kept byte for byte (a signed PDF must stay as it was signed). Files are
written through Django's storage (``STORAGES["default"]``: the filesystem under ``MEDIA_ROOT``, or an
S3-compatible store through django-storages) under a random name, and read back only by the download
views, which check access and log it.

"Digitised" is measured: a component is digitised when it has a file, and a dossier's components are
partly or fully digitised by that count over its components (those received, and those required but
not received: a dossier still missing a paper is at most partly digitised; an optional component not
handed in does not count) (``Dossier.components_digitised``, kept here whenever files
change, so that the report's conditions stay plain column tests), and a result is digitised when the
dossier has a result file (``Dossier.result_digitised``). A dossier imported from the previous software
keeps the flags it came with.

Signatures are verified elsewhere (pyHanko): ``verify_signature`` below is the one place a stored file
is handed over for it, and ``DossierFile.signature`` holds the answer.
"""
from __future__ import annotations

import hashlib
import io
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import replace as dataclass_replace

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from motcua.scope import Scope

from .models import (
    Digitisation,
    Dossier,
    DossierFile,
    FileRole,
    ReceivedComponent,
    ReceivedForm,
    SignatureStatus,
)

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
MAGIC = ((b"%PDF-", PDF), (b"\xff\xd8\xff", JPEG), (b"\x89PNG", PNG))
# Pages scanned at 300 dpi on A4 are ~2,500 × 3,500 pixels; anything far beyond is refused unread.
MAX_IMAGE_PIXELS = 60_000_000
# How many earlier files of the same citizen the desk is offered.
REUSE_LIMIT = 30


class FileRefused(Exception):
    """A file refused; the message (translated) is for the officer or the citizen."""


@dataclass(frozen=True)
class Prepared:
    """What is stored: the bytes, their type, pages and the name the citizen's file had."""

    content: bytes
    content_type: str
    pages: int
    original_name: str


# -- checking ----------------------------------------------------------------------------------------


def sniff(head: bytes) -> str | None:
    """The content type the first bytes say (PDF, JPEG, PNG), or None for anything else."""
    for magic, content_type in MAGIC:
        if head.startswith(magic):
            return content_type
    return None


def max_bytes_text() -> str:
    megabytes = settings.DOSSIER_FILE_MAX_BYTES / (1024 * 1024)
    return _("%(size)s MB") % {"size": number_format(round(megabytes, 1), decimal_pos=0 if megabytes == int(megabytes) else 1)}


def _read(upload) -> bytes:
    """The upload's bytes, refusing it unread beyond the size limit."""
    limit = settings.DOSSIER_FILE_MAX_BYTES
    name = getattr(upload, "name", "") or ""
    if (getattr(upload, "size", None) or 0) > limit:
        raise FileRefused(_("“%(name)s” is larger than %(limit)s: scan it at a lower resolution or in parts.")
                          % {"name": name, "limit": max_bytes_text()})
    upload.seek(0)
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise FileRefused(_("“%(name)s” is larger than %(limit)s: scan it at a lower resolution or in parts.")
                          % {"name": name, "limit": max_bytes_text()})
    if not content:
        raise FileRefused(_("“%(name)s” is empty.") % {"name": name})
    return content


def _pdf_pages(content: bytes, name: str) -> int:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted:
            raise FileRefused(_("“%(name)s” is a PDF protected by a password: save it without one.") % {"name": name})
        pages = len(reader.pages)
    except FileRefused:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError, RecursionError):
        pages = 0
    if pages < 1:
        raise FileRefused(_("“%(name)s” is not a readable PDF.") % {"name": name})
    return pages


def _image(content: bytes, name: str):
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(content))
        if image.width * image.height > MAX_IMAGE_PIXELS:
            raise FileRefused(_("“%(name)s” has too many pixels: scan it at 300 dpi or less.") % {"name": name})
        image.load()
    except FileRefused:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise FileRefused(_("“%(name)s” is not a readable image.") % {"name": name}) from None
    return image


def check(upload) -> tuple[bytes, str, int]:
    """(content, content type, pages) of one upload, or FileRefused: by its content, not its name."""
    name = getattr(upload, "name", "") or ""
    content = _read(upload)
    content_type = sniff(content[:8])
    if content_type is None:
        raise FileRefused(
            _("“%(name)s” is not a PDF, JPEG or PNG file (whatever its name says): it was not kept.") % {"name": name}
        )
    if content_type == PDF:
        return content, content_type, _pdf_pages(content, name)
    _image(content, name)
    return content, content_type, 1


def prepare(uploads) -> Prepared:
    """One file from what was uploaded for one component or result: a single file as it is, several
    (images or PDFs, in the order given) joined into one PDF. Nothing is stored here."""
    uploads = [upload for upload in uploads if upload]
    if not uploads:
        raise FileRefused(_("Choose a file to upload."))
    return prepare_checked([(upload, *check(upload)) for upload in uploads])


def prepare_checked(checked) -> Prepared:
    """One file from uploads already checked ((upload, content, content type, pages), in order): joined
    into one PDF when there are several (``prepare``, and the scan job page by page)."""
    if len(checked) == 1:
        upload, content, content_type, pages = checked[0]
        return Prepared(content, content_type, pages, _clean_name(upload.name, content_type))
    try:
        content, pages = _join(checked)
    except FileRefused:
        raise
    except Exception:  # a page pypdf read but cannot copy: refused, never a 500
        raise FileRefused(_("The pages could not be joined into one PDF: upload them as separate files.")) from None
    if len(content) > settings.DOSSIER_FILE_MAX_BYTES:
        raise FileRefused(_("The pages joined are larger than %(limit)s: scan them at a lower resolution.")
                          % {"limit": max_bytes_text()})
    return Prepared(content, PDF, pages, _clean_name(checked[0][0].name, PDF))


def _join(checked) -> tuple[bytes, int]:
    """Images and PDFs joined into one PDF (the images as pages at 200 dpi)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for upload, content, content_type, _pages in checked:
        if content_type == PDF:
            writer.append(PdfReader(io.BytesIO(content)))
            continue
        image = _image(content, upload.name)
        options = {"quality": "keep"} if image.format == "JPEG" and image.mode in ("RGB", "L") else {}  # no loss, no growth
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        page = io.BytesIO()
        image.save(page, format="PDF", resolution=200.0, **options)
        writer.append(PdfReader(io.BytesIO(page.getvalue())))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), len(writer.pages)


def _clean_name(name: str, content_type: str) -> str:
    """The citizen's file name, without a path, with the extension its content has."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip() or "tep"
    stem = base.rsplit(".", 1)[0] if "." in base else base
    extension = {PDF: "pdf", JPEG: "jpg", PNG: "png"}[content_type]
    return f"{stem[:200]}.{extension}"


# -- the signature seam ---------------------------------------------------------------------------------


def verify_signature(dossier_file: DossierFile, content: bytes) -> tuple[str, dict]:
    """The signature status of a file being stored (``content``, its bytes) and its details (signer,
    signing time), by motcua.signing.verify_pdf (PAdES through pyHanko, against SIGNATURE_TRUST_ROOTS):
    a PDF is valid, untrusted, invalid or unsigned; a scanned image is unsigned."""
    from motcua.signing import verify_pdf

    if not content.startswith(b"%PDF-"):
        return SignatureStatus.UNSIGNED, {}
    check = verify_pdf(content)
    detail = {"signer": check.signer, "signed_at": check.signed_at.isoformat() if check.signed_at else None}
    if check.detail:
        detail["detail"] = check.detail
    return check.state, detail


# -- storing ------------------------------------------------------------------------------------------

_written = threading.local()


@contextmanager
def removed_on_error():
    """Files written to the storage inside the block are removed again if the block raises (its rows
    are rolled back with the transaction): no stored file is left without its row."""
    outer = getattr(_written, "names", None)
    _written.names = names = []
    try:
        yield
    except BaseException:
        for storage, name in names:
            storage.delete(name)
        raise
    finally:
        _written.names = outer
        if outer is not None:
            outer.extend(names)


def _store(*, dossier: Dossier, role: str, component: ReceivedComponent | None, prepared: Prepared, by) -> DossierFile:
    """Write the file to the storage and its row (call inside ``removed_on_error``)."""
    row = DossierFile(
        dossier=dossier, role=role, component=component, original_name=prepared.original_name,
        content_type=prepared.content_type, size=len(prepared.content),
        sha256=hashlib.sha256(prepared.content).hexdigest(), pages=prepared.pages,
        uploaded_by=by if getattr(by, "pk", None) else None, uploaded_at=timezone.now(),
    )
    row.file.save("upload", ContentFile(prepared.content), save=False)
    names = getattr(_written, "names", None)
    if names is not None:
        names.append((row.file.storage, row.file.name))
    row.signature, row.signature_detail = verify_signature(row, prepared.content)
    row.save()
    return row


def store_result(*, dossier: Dossier, prepared: Prepared, by, sign: bool = False) -> DossierFile:
    """The result file of a dossier being resolved (``dossiers.services.dossier_resolve``, inside the
    step's transaction and ``removed_on_error``); the caller sets ``result_digitised``. ``sign``: a PDF
    result is signed first with the handling unit's certificate (motcua.signing; PAdES with its signing
    time and signer), so the citizen receives it signed; refused when the unit has no signing identity."""
    if sign:
        prepared = sign_result(dossier, prepared)
    return _store(dossier=dossier, role=FileRole.RESULT, component=None, prepared=prepared, by=by)


def sign_result(dossier: Dossier, prepared: Prepared) -> Prepared:
    """The result signed by the handling unit (a signature already in it stays; this one is added)."""
    from motcua.signing import SigningError, identity_of, sign_pdf

    if prepared.content_type != PDF:
        raise FileRefused(_("Only a PDF result can be signed: scan the reply as a PDF, or attach it unsigned."))
    identity = identity_of(dossier.handling_unit)
    if identity is None:
        raise FileRefused(_("%(unit)s has no signing certificate: ask the administrator to set one up, or attach the "
                            "result unsigned.") % {"unit": dossier.handling_unit.name})
    try:
        content = sign_pdf(prepared.content, identity, reason=f"Kết quả giải quyết hồ sơ {dossier.code}")
    except SigningError as error:
        raise FileRefused(str(error)) from None
    return dataclass_replace(prepared, content=content)


def refresh_digitisation(dossier: Dossier) -> None:
    """Measure the dossier's digitisation from its files and write the two columns the report counts.
    A dossier imported with the old flags, or received before components were recorded, keeps them.
    The dossier's row is locked first: two desks scanning two components at once count each other's."""
    if dossier.imported:
        return
    Dossier.objects.select_for_update().filter(pk=dossier.pk).values_list("pk", flat=True).first()
    values = {"result_digitised": current_files().filter(dossier=dossier, role=FileRole.RESULT).exists()}
    counted = ReceivedComponent.objects.filter(dossier=dossier).exclude(form=ReceivedForm.NOT_RECEIVED, required=False)
    total = counted.count()
    if total:
        with_files = counted.filter(Exists(current_files().filter(component=OuterRef("pk")))).count()
        values["components_digitised"] = (
            Digitisation.NONE if with_files == 0 else Digitisation.FULL if with_files == total else Digitisation.PARTIAL
        )
    Dossier.objects.filter(pk=dossier.pk).update(**values)
    for name, value in values.items():
        setattr(dossier, name, value)


def component_update(*, dossier: Dossier, component: ReceivedComponent, form: str, copies: int,
                     prepared: Prepared | None = None, by) -> DossierFile | None:
    """Record what was received of one component and attach the pages scanned for it (``prepared``,
    already checked: one file)."""
    if component.dossier_id != dossier.pk:
        raise FileRefused(_("This component belongs to another dossier."))
    if prepared is not None and form == ReceivedForm.NOT_RECEIVED:
        raise FileRefused(_("A component not received cannot carry a file: record what was received first."))
    with removed_on_error(), transaction.atomic():
        component.form = form
        component.copies = 0 if form == ReceivedForm.NOT_RECEIVED else max(1, copies)
        component.save(update_fields=["form", "copies"])
        row = None
        if prepared is not None:
            row = _store(dossier=dossier, role=FileRole.COMPONENT, component=component, prepared=prepared, by=by)
        refresh_digitisation(dossier)
    return row


def result_file_add(*, dossier: Dossier, prepared: Prepared, by) -> DossierFile:
    """Attach the result to a dossier already resolved (one file, kept as it is)."""
    with removed_on_error(), transaction.atomic():
        row = store_result(dossier=dossier, prepared=prepared, by=by)
        refresh_digitisation(dossier)
    return row


def prepare_result(uploads) -> Prepared:
    """The result as uploaded: one file, never joined or rewritten, so that a signature it carries
    stays valid."""
    uploads = [upload for upload in uploads if upload]
    if len(uploads) > 1:
        raise FileRefused(_("The result is one file (a PDF, or an image of a one-page reply)."))
    return prepare(uploads)


def current_files():
    """The files that count: every file but those removed (a removed file keeps its row and its stored
    bytes for the trail, but no longer counts for digitisation or reuse, nor is shown to the citizen)."""
    return DossierFile.objects.filter(removed_at__isnull=True)


def _check_removable(dossier: Dossier, dossier_file: DossierFile, reason: str) -> str:
    if dossier_file.dossier_id != dossier.pk:
        raise FileRefused(_("This file belongs to another dossier."))
    if dossier_file.removed_at is not None:
        raise FileRefused(_("This file was already removed."))
    reason = (reason or "").strip()
    if not reason:
        raise FileRefused(_("Say why the file is removed."))
    return reason


def _mark_removed(dossier_file: DossierFile, *, reason: str, by, replaced_by: DossierFile | None = None) -> None:
    dossier_file.removed_at = timezone.now()
    dossier_file.removed_by = by if getattr(by, "pk", None) else None
    dossier_file.removal_reason = reason
    dossier_file.replaced_by = replaced_by
    dossier_file.save(update_fields=["removed_at", "removed_by", "removal_reason", "replaced_by"])


def file_remove(*, dossier: Dossier, dossier_file: DossierFile, reason: str, by) -> DossierFile:
    """Take a wrong file out of the dossier without losing the trace: the row and the stored bytes stay,
    marked removed (when, by whom, why); the dossier's digitisation is measured again without it."""
    reason = _check_removable(dossier, dossier_file, reason)
    with transaction.atomic():
        locked = DossierFile.objects.select_for_update().get(pk=dossier_file.pk)
        if locked.removed_at is not None:
            raise FileRefused(_("This file was already removed."))
        _mark_removed(dossier_file, reason=reason, by=by)
        refresh_digitisation(dossier)
    return dossier_file


def file_replace(*, dossier: Dossier, dossier_file: DossierFile, prepared: Prepared, reason: str, by) -> DossierFile:
    """Store a new file in place of a wrong one (same component, or the result): the old one is removed
    with the reason and points to its replacement; its stored bytes are kept."""
    reason = _check_removable(dossier, dossier_file, reason)
    with removed_on_error(), transaction.atomic():
        locked = DossierFile.objects.select_for_update().get(pk=dossier_file.pk)
        if locked.removed_at is not None:
            raise FileRefused(_("This file was already removed."))
        component = dossier_file.component if dossier_file.role == FileRole.COMPONENT else None
        row = _store(dossier=dossier, role=dossier_file.role, component=component, prepared=prepared, by=by)
        _mark_removed(dossier_file, reason=reason, by=by, replaced_by=row)
        refresh_digitisation(dossier)
    return row


# -- what was received at intake -------------------------------------------------------------------------


def expected_form(component) -> tuple[str, int]:
    """What the procedure asks of a component: originals if any, else copies."""
    if component.originals:
        return ReceivedForm.ORIGINAL, component.originals
    return ReceivedForm.COPY, max(1, component.copies)


def components_record(*, dossier: Dossier, received: dict[int, tuple[str, int]]) -> list[ReceivedComponent]:
    """Record, for each component of the procedure as received, what the desk received: ``received``
    maps a catalogue component's id to (form, number); a component missing from it was not received."""
    rows = []
    for position, component in enumerate(dossier.procedure.components.order_by("position", "id")):
        form, copies = received.get(component.pk, (ReceivedForm.NOT_RECEIVED, 0))
        rows.append(ReceivedComponent(
            dossier=dossier, component=component, position=position, name=component.name,
            required=component.required, form=form, copies=0 if form == ReceivedForm.NOT_RECEIVED else max(1, copies),
        ))
    return ReceivedComponent.objects.bulk_create(rows)


def missing_components(dossier: Dossier) -> list[ReceivedComponent]:
    return list(dossier.received_components.filter(form=ReceivedForm.NOT_RECEIVED, required=True))


# -- reuse ----------------------------------------------------------------------------------------------


def reusable_files(dossier: Dossier, user):
    """The citizen's earlier digitised components and results (same CCCD) held in what ``user`` sees,
    newest first, one per content: what the desk may attach to this dossier without scanning again."""
    if not dossier.applicant_id_number:
        return DossierFile.objects.none()
    earlier = Scope.of(user).filter(
        Dossier.objects.filter(applicant_id_number=dossier.applicant_id_number).exclude(pk=dossier.pk),
        "receiving_unit", "handling_unit",
    )
    already = set(current_files().filter(dossier=dossier).values_list("sha256", flat=True))
    rows = (
        current_files().filter(dossier__in=earlier.values("pk"))
        .select_related("dossier", "component").order_by("-uploaded_at", "-pk")[: REUSE_LIMIT * 4]
    )
    offered = []
    for row in rows:  # one per content (a file reused before is offered once), at most REUSE_LIMIT
        if row.sha256 not in already and len(offered) < REUSE_LIMIT:
            already.add(row.sha256)
            offered.append(row)
    return offered


@transaction.atomic
def file_reuse(*, dossier: Dossier, component: ReceivedComponent, source: DossierFile, by) -> DossierFile:
    """Attach an earlier file of the same citizen to a component of this dossier: the same stored file
    and checksum, ``reused_from`` the file first stored (tái sử dụng)."""
    if component.dossier_id != dossier.pk:
        raise FileRefused(_("This component belongs to another dossier."))
    if source.removed_at is not None:
        raise FileRefused(_("This file was removed from its dossier: it cannot be reused."))
    if not dossier.applicant_id_number or source.dossier.applicant_id_number != dossier.applicant_id_number:
        raise FileRefused(_("Only the same citizen's earlier files (same CCCD number) can be reused."))
    if not Scope.of(by).filter(Dossier.objects.filter(pk=source.dossier_id), "receiving_unit", "handling_unit").exists():
        raise FileRefused(_("This file is not held by your unit."))
    if component.form == ReceivedForm.NOT_RECEIVED:
        component.form = ReceivedForm.COPY
        component.copies = 1
        component.save(update_fields=["form", "copies"])
    row = DossierFile.objects.create(
        dossier=dossier, role=FileRole.COMPONENT, component=component, file=source.file.name,
        original_name=source.original_name, content_type=source.content_type, size=source.size,
        sha256=source.sha256, pages=source.pages, uploaded_by=by if getattr(by, "pk", None) else None,
        uploaded_at=timezone.now(), reused_from_id=source.reused_from_id or source.pk,
        signature=source.signature, signature_detail=source.signature_detail,
    )
    refresh_digitisation(dossier)
    return row


def reuse_condition() -> Q:
    """Dossiers that reused at least one earlier file, as a condition on Dossier (for the report's
    "reuse" figure): an uncorrelated IN, computed once by PostgreSQL."""
    return Q(pk__in=current_files().filter(reused_from__isnull=False).values("dossier_id"))


# -- reading --------------------------------------------------------------------------------------------


def open_file(dossier_file: DossierFile):
    """The stored file opened for reading (the caller streams it)."""
    return dossier_file.file.storage.open(dossier_file.file.name, "rb")


# -- the restore drill ------------------------------------------------------------------------------------


@dataclass
class Verified:
    checked: int = 0
    missing: list = None
    changed: list = None

    def __post_init__(self):
        self.missing = self.missing or []
        self.changed = self.changed or []

    @property
    def ok(self) -> bool:
        return not self.missing and not self.changed


def verify_stored(rows, storage=None) -> Verified:
    """Check that every stored name of ``rows`` ((name, sha256) pairs, e.g. read from a restored database)
    is in the storage with the same checksum. A file shared by reuse is read once."""
    from django.core.files.storage import default_storage

    storage = storage or default_storage
    result, seen = Verified(), set()
    for name, sha256 in rows:
        if (name, sha256) in seen:
            continue
        seen.add((name, sha256))
        result.checked += 1
        if not storage.exists(name):
            result.missing.append(name)
            continue
        digest = hashlib.sha256()
        with storage.open(name, "rb") as stored:
            for chunk in iter(lambda: stored.read(1024 * 1024), b""):
                digest.update(chunk)
        if digest.hexdigest() != sha256:
            result.changed.append(name)
    return result
