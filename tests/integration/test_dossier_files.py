"""The electronic dossier: what the desk received per component (the slip prints it, the supplement request
names what is missing), the files of the components and of the result, checked by content and never
served but through the access check, the citizen's download of the result through the lookup, the
digitisation measured from the files, and the reuse of what a citizen already gave."""
from __future__ import annotations

import hashlib
import re
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader, PdfWriter

from dossiers import files as dossier_files
from dossiers.models import (
    Digitisation,
    Dossier,
    DossierFile,
    FileRole,
    PauseKind,
    ReceivedComponent,
    ReceivedForm,
    Status,
)
from dossiers.services import Applicant, dossier_pause, dossier_receive, dossier_resolve, dossier_resume, dossier_start
from motcua.models import AuditEvent
from motcua.periods import parse_period
from reports.figures import compute_figures
from tests.factories import PASSWORD, make_dossier, procedure_make, vn

pytestmark = pytest.mark.django_db

BIRTH = "1.001193"
FORM, CERTIFICATE, MARRIAGE = "Tờ khai đăng ký khai sinh", "Giấy chứng sinh", "Giấy chứng nhận kết hôn của cha mẹ"
CITIZEN = Applicant(name="Nguyễn Văn An", id_number="030085001234", phone="0912345678", address="Thôn Đông, Ngọc Kỳ")
Q1 = parse_period("2026-Q1")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def birth(commune_a):
    """Birth registration with three papers, posted at commune A (and at commune B, for the other desk)."""
    return procedure_make(BIRTH, "Thủ tục đăng ký khai sinh", fees=(("Lệ phí", 8000),),
                          components=((FORM, 1, 0), (CERTIFICATE, 1, 0), (MARRIAGE, 0, 1)), post_at=[commune_a])


@pytest.fixture
def desk(agency_a, desk_officer_a):
    return desk_officer_a


# -- files as a scanner makes them ------------------------------------------------------------------------


def pdf_bytes(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def image_bytes(kind: str = "JPEG") -> bytes:
    out = BytesIO()
    Image.new("RGB", (120, 170), (250, 250, 245)).save(out, format=kind)
    return out.getvalue()


EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"This program cannot be run in DOS mode." * 20


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def stored_files(media) -> list:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def components_of(dossier) -> dict[str, ReceivedComponent]:
    return {row.name: row for row in dossier.received_components.all()}


def scan(client, dossier, component, *pages, received_as=None, copies=None):
    prefix = f"c{component.pk}"
    data = {f"{prefix}-received_as": received_as or component.form, f"{prefix}-copies": copies or component.copies or 1,
            f"{prefix}-pages": list(pages)}
    return client.post(reverse("dossiers:component", kwargs={"code": dossier.code, "pk": component.pk}), data)


def receive_with(commune, procedure, by, *, received: dict[str, tuple[str, int]], at=None, applicant=CITIZEN) -> Dossier:
    ids = {c.name: c.pk for c in procedure.components.all()}
    return dossier_receive(unit=commune, procedure=procedure, applicant=applicant, by=by, received_at=at,
                           components_received={ids[name]: value for name, value in received.items()})


def attach(dossier, component_name, content=None, by=None):
    component = components_of(dossier)[component_name]
    prepared = dossier_files.prepare([upload("scan.pdf", content or pdf_bytes())])
    return dossier_files.component_update(dossier=dossier, component=component, form=component.form,
                                          copies=component.copies, prepared=prepared, by=by)


# -- the journey ----------------------------------------------------------------------------------------


def test_two_of_three_components_scanned_one_missing_followed_to_the_citizens_download(
    client, commune_a, birth, desk, processing_a, media,
):
    ids = {c.name: str(c.pk) for c in birth.components.all()}
    login(client, desk)
    data = {
        "procedure": BIRTH, "applicant_name": "Nguyễn Văn An", "applicant_id_number": "030085001234",
        "applicant_phone": "0912345678", "applicant_address": "Thôn Đông", "applicant_email": "", "applicant_kind": "person",
        "channel": "direct", "handling_unit": "", "received_at": "", "notes": "", "refusal_reason": "", "receive": "1",
        # The form and the birth certificate handed in (the certificate as 2 certified copies); the parents'
        # marriage certificate not brought.
        "components": [ids[FORM], ids[CERTIFICATE]],
        f"form-{ids[FORM]}": "original", f"form-{ids[CERTIFICATE]}": "certified_copy", f"copies-{ids[CERTIFICATE]}": "2",
    }
    assert client.post(reverse("dossiers:intake"), data).status_code == 302
    dossier = Dossier.objects.get()
    received = components_of(dossier)
    assert [(r.name, r.form, r.copies) for r in received.values()] == [
        (FORM, ReceivedForm.ORIGINAL, 1), (CERTIFICATE, ReceivedForm.CERTIFIED_COPY, 2), (MARRIAGE, ReceivedForm.NOT_RECEIVED, 0),
    ]

    # The slip prints exactly that, not "1 bản chính" for every paper.
    slip = client.get(reverse("forms:receipt-pdf", kwargs={"code": dossier.code}), {"format": "html"}).content.decode()
    rows = [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", slip, re.S)]
    assert f"1 {FORM} 1 0" in rows
    assert f"2 {CERTIFICATE} 0 2 (chứng thực)" in rows
    assert f"3 {MARRIAGE} Chưa nộp" in rows

    # Two components scanned: the form as two pages (a JPEG and a PNG, joined into one PDF), the certificate as a PDF.
    page = client.get(reverse("dossiers:detail", kwargs={"code": dossier.code})).content.decode()
    assert 'data-testid="component-form"' in page
    response = scan(client, dossier, received[FORM], upload("trang-1.jpg", image_bytes("JPEG")), upload("trang-2.png", image_bytes("PNG")))
    assert response.status_code == 302
    certificate = pdf_bytes()
    assert scan(client, dossier, received[CERTIFICATE], upload("giay-chung-sinh.pdf", certificate)).status_code == 302
    joined = DossierFile.objects.get(component=received[FORM])
    assert (joined.content_type, joined.pages, joined.original_name) == ("application/pdf", 2, "trang-1.pdf")
    with joined.file.open("rb") as stored:
        content = stored.read()
    assert len(PdfReader(BytesIO(content)).pages) == 2 and hashlib.sha256(content).hexdigest() == joined.sha256
    kept = DossierFile.objects.get(component=received[CERTIFICATE])
    assert kept.sha256 == hashlib.sha256(certificate).hexdigest()  # a single PDF is kept byte for byte
    dossier.refresh_from_db()
    assert (dossier.components_digitised, dossier.result_digitised) == (Digitisation.PARTIAL, False)  # one still missing

    # The request for supplements names the missing paper.
    client.force_login(processing_a)
    dossier_start(dossier=dossier, by=processing_a)
    dossier_pause(dossier=dossier, by=processing_a, kind=PauseKind.SUPPLEMENT, reason="Nộp thêm bản sao sổ hộ khẩu")
    request = client.get(reverse("forms:supplement-pdf", kwargs={"code": dossier.code}), {"format": "html"}).content.decode()
    assert f"1. {MARRIAGE} (chưa nộp khi tiếp nhận hồ sơ)" in request and "2. Nộp thêm bản sao sổ hộ khẩu" in request
    dossier_resume(dossier=dossier, by=processing_a)

    # Resolved with the result file: the result is digitised because it has a file.
    decision = pdf_bytes(2)
    response = client.post(
        reverse("dossiers:action", kwargs={"code": dossier.code, "action": "resolve"}),
        {"resolve-note": "Đã ký", "resolve-result_file": upload("trich-luc-khai-sinh.pdf", decision)},
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert (dossier.status, dossier.result_digitised) == (Status.RESOLVED, True)
    result = DossierFile.objects.get(dossier=dossier, role=FileRole.RESULT)
    assert (result.pages, result.sha256, result.signature) == (2, hashlib.sha256(decision).hexdigest(), "unsigned")  # verified as stored: a PDF without a signature

    # The citizen, through the lookup's code and phone digits, downloads the result.
    client.logout()
    lookup = client.get(reverse("lookup:result-files"), {"code": dossier.code, "phone4": "5678"})
    assert lookup.status_code == 200 and lookup["Cache-Control"] == "no-store"
    links = re.findall(r'href="(/tra-cuu/ket-qua-dien-tu/[^"]+/)"', lookup.content.decode())
    assert len(links) == 1  # the result only: never the components the citizen handed in
    before = AuditEvent.objects.filter(table_name=DossierFile._meta.db_table, action="export").count()
    download = client.get(links[0])
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == decision
    assert "trich-luc-khai-sinh.pdf" in download["Content-Disposition"]
    assert AuditEvent.objects.filter(table_name=DossierFile._meta.db_table, action="export", row_id=str(result.pk)).count() == before + 1

    # Wrong digits: nothing to download.
    wrong = client.get(reverse("lookup:result-files"), {"code": dossier.code, "phone4": "0000"}).content.decode()
    assert "/tra-cuu/ket-qua-dien-tu/" not in wrong.replace(reverse("lookup:result-files"), "")


def test_the_desk_downloads_a_file_through_the_access_check_and_it_is_logged(client, commune_a, birth, desk):
    dossier = receive_with(commune_a, birth, desk, received={FORM: ("original", 1)})
    content = pdf_bytes()
    stored = attach(dossier, FORM, content, by=desk)
    login(client, desk)
    response = client.get(reverse("dossiers:file", kwargs={"code": dossier.code, "pk": stored.pk}))
    assert response.status_code == 200 and b"".join(response.streaming_content) == content
    assert response["Cache-Control"] == "private, no-store"
    event = AuditEvent.objects.filter(table_name=DossierFile._meta.db_table, row_id=str(stored.pk), action="export").get()
    assert event.actor_id == desk.pk
    # Stored under a random name: neither the code, the citizen's name nor the original name.
    assert dossier.code not in stored.file.name and "scan" not in stored.file.name


def test_another_communes_staff_and_an_anonymous_user_are_refused_every_file_url(client, commune_a, birth, desk, desk_b, media):
    dossier = receive_with(commune_a, birth, desk, received={FORM: ("original", 1), CERTIFICATE: ("copy", 1)})
    files = [attach(dossier, FORM, pdf_bytes(), by=desk), attach(dossier, CERTIFICATE, pdf_bytes(3), by=desk)]
    dossier = dossier_resolve(dossier=dossier, by=desk, result_file=dossier_files.prepare_result([upload("kq.pdf", pdf_bytes())]))
    files.append(DossierFile.objects.get(dossier=dossier, role=FileRole.RESULT))
    contents = [f.file.open("rb").read() for f in files]
    urls = [reverse("dossiers:file", kwargs={"code": dossier.code, "pk": f.pk}) for f in files]
    # A file of this dossier under another dossier's code is not found either.
    other = receive_with(commune_a, birth, desk, received={})
    urls.append(reverse("dossiers:file", kwargs={"code": other.code, "pk": files[0].pk}))

    def refused(response):
        served = b"".join(response.streaming_content) if response.streaming else response.content
        return response.status_code in (302, 403, 404) and not any(content in served for content in contents)

    for url in urls:
        assert refused(client.get(url)), url  # anonymous: sent to sign in, nothing served
    login(client, desk_b)
    for url in urls:
        assert client.get(url).status_code == 404, url
    component = components_of(dossier)[FORM]
    posts = [
        (reverse("dossiers:component", kwargs={"code": dossier.code, "pk": component.pk}),
         {f"c{component.pk}-received_as": "original", f"c{component.pk}-copies": 1, f"c{component.pk}-pages": upload("x.pdf", pdf_bytes())}),
        (reverse("dossiers:result-file", kwargs={"code": dossier.code}), {"result_file": upload("x.pdf", pdf_bytes())}),
        (reverse("dossiers:file-reuse", kwargs={"code": dossier.code}), {"file": files[0].pk, "component": component.pk}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    assert DossierFile.objects.count() == 3 and len(stored_files(media)) == 3
    # The public download takes only a pass it issued, for a result.
    client.logout()
    assert client.get(reverse("lookup:result-file", kwargs={"token": "1"})).status_code == 404
    forged = reverse("lookup:result-file", kwargs={"token": dossier_files_pass(files[0], dossier.code)})
    assert client.get(forged).status_code == 404  # a component's file is never served to the public


def dossier_files_pass(dossier_file, code):
    from dossiers.public.files import issue

    return issue(dossier_file, code)


def test_the_citizen_gets_nothing_before_the_dossier_is_finished(client, commune_a, birth, desk):
    dossier = receive_with(commune_a, birth, desk, received={FORM: ("original", 1)})
    attach(dossier, FORM, by=desk)
    page = client.get(reverse("lookup:result-files"), {"code": dossier.code, "phone4": "5678"}).content.decode()
    assert 'data-testid="not-finished"' in page and "/tra-cuu/ket-qua-dien-tu/" not in page.replace(reverse("lookup:result-files"), "")


# -- files checked by content ------------------------------------------------------------------------------


def test_a_file_renamed_pdf_holding_an_executable_is_refused_and_nothing_is_kept(client, commune_a, birth, desk, processing_a, media):
    dossier = receive_with(commune_a, birth, desk, received={FORM: ("original", 1)})
    component = components_of(dossier)[FORM]
    login(client, desk)
    response = scan(client, dossier, component, upload("to-khai.pdf", EXECUTABLE), received_as="certified_copy")
    assert response.status_code == 400
    page = response.content.decode()
    assert "to-khai.pdf" in page and 'class="error"' in page  # the message names the file, beside its field
    assert DossierFile.objects.count() == 0 and stored_files(media) == []
    component.refresh_from_db()
    assert component.form == ReceivedForm.ORIGINAL  # nothing changed, the form is shown again
    # Nor as the result: the step is refused with the form's message and the dossier stays as it was.
    client.force_login(processing_a)
    response = client.post(reverse("dossiers:action", kwargs={"code": dossier.code, "action": "resolve"}),
                           {"resolve-result_file": upload("quyet-dinh.pdf", EXECUTABLE), "resolve-note": "Đã ký"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "quyet-dinh.pdf" in page and "Đã ký" in page  # the message, and what was typed kept
    dossier.refresh_from_db()
    assert dossier.status == Status.RECEIVED and DossierFile.objects.count() == 0 and stored_files(media) == []


@pytest.mark.parametrize("name, content", [
    ("trang.jpg", b"\xff\xd8\xff\xe0 not really an image"),
    ("hong.pdf", b"%PDF-1.7\n garbage without pages"),
    ("rong.pdf", b""),
    ("anh.gif", b"GIF89a\x01\x00\x01\x00"),
])
def test_files_that_are_not_what_they_claim_are_refused(name, content):
    with pytest.raises(dossier_files.FileRefused):
        dossier_files.prepare([upload(name, content)])


def test_a_file_over_the_configured_limit_is_refused_and_nothing_is_kept(settings, commune_a, birth, desk, media):
    settings.DOSSIER_FILE_MAX_BYTES = 1000
    with pytest.raises(dossier_files.FileRefused):
        dossier_files.prepare([upload("to-khai.pdf", pdf_bytes() + b"%" + b" " * 2000)])
    assert stored_files(media) == []


def test_a_refused_step_keeps_no_result_file(commune_a, birth, desk, media):
    dossier = receive_with(commune_a, birth, desk, received={FORM: ("original", 1)})
    prepared = dossier_files.prepare_result([upload("kq.pdf", pdf_bytes())])
    dossier_resolve(dossier=dossier, by=desk)
    with pytest.raises(Exception):  # already resolved: the step is refused
        dossier_resolve(dossier=dossier, by=desk, result_file=prepared)
    assert DossierFile.objects.count() == 0 and stored_files(media) == []


# -- digitisation measured -------------------------------------------------------------------------------


def test_the_digitisation_figures_equal_an_independent_count_of_files(commune_a, birth, desk):
    at = vn(2026, 1, 16, 9, 0)
    none = receive_with(commune_a, birth, desk, at=at, received={FORM: ("original", 1), CERTIFICATE: ("original", 1)})
    partly = receive_with(commune_a, birth, desk, at=at, received={FORM: ("original", 1), CERTIFICATE: ("original", 1)})
    attach(partly, FORM)
    fully = receive_with(commune_a, birth, desk, at=at, received={FORM: ("original", 1), CERTIFICATE: ("copy", 1), MARRIAGE: ("copy", 1)})
    for name in (FORM, CERTIFICATE, MARRIAGE):
        attach(fully, name)
    missing = receive_with(commune_a, birth, desk, at=at, received={FORM: ("original", 1)})  # the certificate missing
    attach(missing, FORM)
    resolved_with = receive_with(commune_a, birth, desk, at=at, received={FORM: ("original", 1)})
    dossier_resolve(dossier=resolved_with, by=desk, at=vn(2026, 1, 19, 9, 0),
                    result_file=dossier_files.prepare_result([upload("kq.pdf", pdf_bytes())]))
    resolved_without = receive_with(commune_a, birth, desk, at=at, received={})
    dossier_resolve(dossier=resolved_without, by=desk, at=vn(2026, 1, 19, 9, 0))
    # Imported from the previous software: the flags it came with are kept (and counted).
    make_dossier(procedure=birth, unit=commune_a, received_at=at, due_at=vn(2026, 1, 21, 9, 0), imported=True,
                 status="resolved", resolved_at=vn(2026, 1, 19, 9, 0), outcome="early",
                 components_digitised=Digitisation.FULL, result_digitised=True)

    digitised = compute_figures(commune_a, Q1).totals["digitized"]
    with connection.cursor() as cursor:  # counted from the files themselves, not from the columns
        cursor.execute("""
            WITH counted AS (
                SELECT d.id, d.imported, d.components_digitised, d.result_digitised,
                       (SELECT count(*) FROM dossiers_receivedcomponent c WHERE c.dossier_id = d.id
                         AND NOT (c.form = 'not_received' AND NOT c.required)) AS components,
                       (SELECT count(DISTINCT f.component_id) FROM dossiers_dossierfile f
                         WHERE f.dossier_id = d.id AND f.role = 'component') AS scanned,
                       EXISTS (SELECT 1 FROM dossiers_dossierfile f WHERE f.dossier_id = d.id AND f.role = 'result') AS result
                FROM dossiers_dossier d WHERE d.handling_unit_id = %s AND d.status <> 'refused')
            SELECT count(*) FILTER (WHERE CASE WHEN imported THEN components_digitised <> 'none' ELSE scanned > 0 END),
                   count(*) FILTER (WHERE CASE WHEN imported THEN components_digitised = 'full'
                                          ELSE components > 0 AND scanned = components END),
                   count(*) FILTER (WHERE CASE WHEN imported THEN result_digitised ELSE result END)
            FROM counted""", [commune_a.pk])
        components_any, components_full, results = cursor.fetchone()
    assert (components_any, components_full, results) == (4, 2, 2)
    assert (digitised["components_any"], digitised["components_full"], digitised["results"]) == (4, 2, 2)
    assert [Dossier.objects.get(pk=d.pk).components_digitised for d in (none, partly, fully, missing)] == [
        Digitisation.NONE, Digitisation.PARTIAL, Digitisation.FULL, Digitisation.PARTIAL]


# -- what the citizen already gave --------------------------------------------------------------------------


def test_the_desk_reuses_an_earlier_component_of_the_same_citizen_without_scanning_again(
    client, commune_a, commune_b, agency_b, birth, desk, desk_b, media,
):
    earlier = receive_with(commune_a, birth, desk, at=vn(2026, 1, 16, 9, 0), received={CERTIFICATE: ("certified_copy", 1)})
    given = attach(earlier, CERTIFICATE, pdf_bytes(), by=desk)
    stranger = receive_with(commune_a, birth, desk, at=vn(2026, 1, 16, 10, 0), received={CERTIFICATE: ("original", 1)},
                            applicant=Applicant(name="Trần Thị Bình", id_number="030090004321", phone="0987654321"))
    attach(stranger, CERTIFICATE, pdf_bytes(2), by=desk)
    dossier = receive_with(commune_a, birth, desk, received={FORM: ("original", 1)})

    login(client, desk)
    page = client.get(reverse("dossiers:detail", kwargs={"code": dossier.code})).content.decode()
    offered = re.findall(r'name="file" value="(\d+)"', page)
    assert offered == [str(given.pk)]  # the same CCCD only
    target = components_of(dossier)[CERTIFICATE]
    response = client.post(reverse("dossiers:file-reuse", kwargs={"code": dossier.code}), {"file": given.pk, "component": target.pk})
    assert response.status_code == 302
    reused = DossierFile.objects.get(dossier=dossier)
    assert (reused.reused_from, reused.file.name, reused.sha256, reused.component) == (given, given.file.name, given.sha256, target)
    assert len(stored_files(media)) == 2  # not scanned nor stored again
    target.refresh_from_db()
    assert target.form == ReceivedForm.COPY  # recorded as received, as a copy kept by the portal
    dossier.refresh_from_db()
    assert dossier.components_digitised == Digitisation.PARTIAL  # the form itself not scanned yet
    # Counted as reuse.
    assert list(Dossier.objects.filter(dossier_files.reuse_condition()).values_list("pk", flat=True)) == [dossier.pk]
    # Offered once: attached already, it is no longer proposed.
    page = client.get(reverse("dossiers:detail", kwargs={"code": dossier.code})).content.decode()
    assert re.findall(r'name="file" value="(\d+)"', page) == []

    # Another commune's desk does not see what commune A holds of the citizen, and cannot take it.
    at_b = receive_with(commune_b, birth, desk_b, received={CERTIFICATE: ("original", 1)})
    assert dossier_files.reusable_files(at_b, desk_b) == []
    with pytest.raises(dossier_files.FileRefused):
        dossier_files.file_reuse(dossier=at_b, component=components_of(at_b)[CERTIFICATE], source=given, by=desk_b)


# -- backup and restore ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_restore_drill_finds_every_file_whose_row_it_finds_with_the_same_checksum(tmp_path, commune_a, agency_a, desk_a, media):
    """The README's procedure: pg_dump, then the files (written once, never changed: a copy taken after the
    dump holds every file of its rows); restored elsewhere, every row's file is there, byte for byte."""
    import os
    import shutil
    import subprocess

    import psycopg
    from django.core.files.storage import FileSystemStorage
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from tests.integration.test_backup_restore import conninfo, pg_tool

    procedure = procedure_make(BIRTH, "Thủ tục đăng ký khai sinh", components=((FORM, 1, 0), (CERTIFICATE, 1, 0)), post_at=[commune_a])
    first = receive_with(commune_a, procedure, desk_a, received={FORM: ("original", 1), CERTIFICATE: ("original", 1)})
    attach(first, FORM, pdf_bytes(), by=desk_a)
    attach(first, CERTIFICATE, pdf_bytes(3), by=desk_a)
    dossier_resolve(dossier=first, by=desk_a, result_file=dossier_files.prepare_result([upload("kq.png", image_bytes("PNG"))]))
    second = receive_with(commune_a, procedure, desk_a, received={CERTIFICATE: ("copy", 1)})
    dossier_files.file_reuse(dossier=second, component=components_of(second)[CERTIFICATE],
                             source=DossierFile.objects.get(component__name=CERTIFICATE, dossier=first), by=desk_a)
    call_command("dossier_files_verify")  # the live storage: every row's file, same checksum

    source = conninfo(connection.settings_dict["NAME"])
    scratch = f"{source['dbname']}_files_restored"
    dump = tmp_path / "motcua.dump"
    env = {**os.environ, "PGPASSWORD": connection.settings_dict.get("PASSWORD") or ""}
    base = ["-h", source["host"], "-p", source["port"], "-U", source["user"]]
    subprocess.run([pg_tool("pg_dump"), *base, "-Fc", "-f", str(dump), source["dbname"]], check=True, env=env)
    archive = shutil.make_archive(str(tmp_path / "media"), "gztar", root_dir=media)  # after the dump
    restored_media = tmp_path / "restored-media"
    shutil.unpack_archive(archive, restored_media)
    with psycopg.connect(**{**source, "dbname": "postgres"}, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
        admin.execute(f'CREATE DATABASE "{scratch}" TEMPLATE template0')
    try:
        subprocess.run([pg_tool("pg_restore"), *base, "--no-owner", "-d", scratch, str(dump)], check=True, env=env)
        with psycopg.connect(**{**source, "dbname": scratch}) as restored:
            rows = restored.execute('SELECT file, sha256 FROM "dossiers_dossierfile" ORDER BY id').fetchall()
        assert len(rows) == 4  # two scans, the result, the reused certificate (the same stored file)
        result = dossier_files.verify_stored(rows, FileSystemStorage(location=restored_media))
        assert (result.checked, result.missing, result.changed) == (3, [], [])
        # The drill notices a file lost or changed.
        (restored_media / rows[0][0]).write_bytes(b"%PDF-1.7 changed")
        (restored_media / rows[2][0]).unlink()
        result = dossier_files.verify_stored(rows, FileSystemStorage(location=restored_media))
        assert (result.missing, result.changed) == ([rows[2][0]], [rows[0][0]])
        (media / rows[2][0]).unlink()
        with pytest.raises(CommandError):
            call_command("dossier_files_verify")
    finally:
        with psycopg.connect(**{**source, "dbname": "postgres"}, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{scratch}"')


def test_intake_takes_a_ticked_component_as_the_procedure_asks_and_refuses_a_wrong_number(client, commune_a, birth, desk):
    ids = {c.name: str(c.pk) for c in birth.components.all()}
    login(client, desk)
    data = {
        "procedure": BIRTH, "applicant_name": "Nguyễn Văn An", "applicant_id_number": "", "applicant_phone": "0912345678",
        "applicant_address": "", "applicant_email": "", "applicant_kind": "person", "channel": "direct", "handling_unit": "",
        "received_at": "", "notes": "Hồ sơ giấy", "refusal_reason": "", "receive": "1",
        "components": [ids[FORM], ids[MARRIAGE]], f"form-{ids[FORM]}": "", f"copies-{ids[MARRIAGE]}": "100",
    }
    response = client.post(reverse("dossiers:intake"), data)
    assert response.status_code == 200 and Dossier.objects.count() == 0
    page = response.content.decode()
    assert MARRIAGE in page and 'value="100"' in page and "Hồ sơ giấy" in page  # the message, what was typed kept
    data[f"copies-{ids[MARRIAGE]}"] = "2"
    assert client.post(reverse("dossiers:intake"), data).status_code == 302
    received = components_of(Dossier.objects.get())
    # The form as the procedure asks (1 original); the marriage certificate is asked as a copy: 2 copies.
    assert [(r.form, r.copies) for r in received.values()] == [
        (ReceivedForm.ORIGINAL, 1), (ReceivedForm.NOT_RECEIVED, 0), (ReceivedForm.COPY, 2)]


def test_pdf_pages_and_images_are_joined_in_the_order_given():
    prepared = dossier_files.prepare([upload("a.pdf", pdf_bytes(2)), upload("b.jpg", image_bytes("JPEG")), upload("c.pdf", pdf_bytes())])
    reader = PdfReader(BytesIO(prepared.content))
    assert (prepared.content_type, prepared.pages, len(reader.pages), prepared.original_name) == ("application/pdf", 4, 4, "a.pdf")
    assert [round(float(page.mediabox.width)) for page in reader.pages] == [595, 595, 43, 595]  # the image: 120 px at 200 dpi
