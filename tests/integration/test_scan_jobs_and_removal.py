"""A long scan at the desk goes through a job (its page shows the progress and returns to the dossier), a
refused page fails the whole job and keeps nothing; a wrong file is removed or replaced without losing its
trace, and no longer counts as digitised nor is offered for reuse; the citizen's earlier files shown for
reuse are a logged view of personal data."""
from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from dossiers import files as dossier_files
from dossiers.models import Digitisation, Dossier, DossierFile, ScanJob
from dossiers.public.files import result_links
from dossiers.services import dossier_resolve
from motcua.models import AuditEvent, JobStatus
from reports.figures import compute_figures
from tests.factories import procedure_make, vn
from tests.integration.test_dossier_files import (
    BIRTH,
    CERTIFICATE,
    EXECUTABLE,
    FORM,
    MARRIAGE,
    Q1,
    attach,
    components_of,
    image_bytes,
    login,
    pdf_bytes,
    receive_with,
    scan,
    stored_files,
    upload,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DOSSIER_SCAN_INLINE_PAGES = 5
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def _jobs_in_process(celery_in_process):
    """The scan jobs run in-process after commit, as without a broker (tests/conftest.py)."""


@pytest.fixture
def birth(commune_a):
    return procedure_make(BIRTH, "Thủ tục đăng ký khai sinh", fees=(("Lệ phí", 8000),),
                          components=((FORM, 1, 0), (CERTIFICATE, 1, 0), (MARRIAGE, 0, 1)), post_at=[commune_a])


@pytest.fixture
def desk(agency_a, desk_officer_a):
    return desk_officer_a


def pages(count: int, *, bad_at: int | None = None) -> list:
    return [upload(f"trang-{n:02d}.jpg", EXECUTABLE if n == bad_at else image_bytes()) for n in range(1, count + 1)]


def fully_scanned(commune_a, birth, desk) -> Dossier:
    dossier = receive_with(commune_a, birth, desk, at=vn(2026, 1, 16, 9, 0),
                           received={FORM: ("original", 1), CERTIFICATE: ("original", 1), MARRIAGE: ("copy", 1)})
    for name in (FORM, CERTIFICATE, MARRIAGE):
        attach(dossier, name, pdf_bytes(), by=desk)
    dossier.refresh_from_db()
    assert dossier.components_digitised == Digitisation.FULL
    return dossier


def full_count(commune_a) -> int:
    return compute_figures(commune_a, Q1).totals["digitized"]["components_full"]


# -- the scan job ------------------------------------------------------------------------------------------


def test_a_twenty_page_scan_is_joined_by_a_job_into_one_pdf_on_the_component(
    client, commune_a, birth, desk, django_capture_on_commit_callbacks,
):
    dossier = receive_with(commune_a, birth, desk, received={FORM: ("original", 1)})
    form = components_of(dossier)[FORM]
    login(client, desk)
    with django_capture_on_commit_callbacks(execute=True):  # no broker: the job runs in-process once sent
        response = scan(client, dossier, form, *pages(20))
    job = ScanJob.objects.get(dossier=dossier)
    assert response.status_code == 302 and response["Location"] == reverse(
        "dossiers:scan-job", kwargs={"code": dossier.code, "pk": job.pk})
    assert (job.status, job.progress, job.pages_done, job.pages_total, job.parts) == (JobStatus.DONE, 100, 20, 20, [])
    stored = DossierFile.objects.get(dossier=dossier)
    assert job.result == stored and stored.component == form and stored.content_type == "application/pdf"
    with stored.file.open("rb") as handle:
        assert len(PdfReader(handle).pages) == stored.pages == 20
    dossier.refresh_from_db()
    assert dossier.components_digitised == Digitisation.PARTIAL  # the certificate is still missing
    # The job's page, once done, lands back on the dossier's components.
    landed = client.get(response["Location"])
    assert landed.status_code == 302 and landed["Location"].endswith(
        reverse("dossiers:detail", kwargs={"code": dossier.code}) + "#components")


def test_a_running_job_shows_its_progress_and_refreshes_itself(client, commune_a, birth, desk, media):
    dossier = receive_with(commune_a, birth, desk, received={FORM: ("original", 1)})
    form = components_of(dossier)[FORM]
    login(client, desk)
    scan(client, dossier, form, *pages(8))  # the transaction never commits here: the job stays queued, unsent
    job = ScanJob.objects.get(dossier=dossier)
    assert job.status == JobStatus.QUEUED and len(job.parts) == 8
    ScanJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, sent_at=vn(2026, 1, 16, 9, 0), pages_done=3, progress=33)
    page = client.get(reverse("dossiers:scan-job", kwargs={"code": dossier.code, "pk": job.pk}))
    assert page.status_code == 200 and page["Refresh"] == "2"
    assert 'data-status="running"' in page.content.decode() and 'value="33"' in page.content.decode()
    assert not DossierFile.objects.exists()  # nothing kept before the job ends


def test_a_job_with_one_bad_page_fails_with_the_message_and_keeps_nothing(
    client, commune_a, birth, desk, media, django_capture_on_commit_callbacks,
):
    dossier = receive_with(commune_a, birth, desk, received={FORM: ("original", 1)})
    form = components_of(dossier)[FORM]
    login(client, desk)
    with django_capture_on_commit_callbacks(execute=True):
        response = scan(client, dossier, form, *pages(7, bad_at=4))
    job = ScanJob.objects.get(dossier=dossier)
    with translation.override("vi"):
        message = (translation.gettext("“%(name)s” is not a PDF, JPEG or PNG file (whatever its name says): it was not kept.")
                   % {"name": "trang-04.jpg"})
    assert job.status == JobStatus.FAILED and job.error == message and "trang-04.jpg" in message
    assert not message.startswith("“trang-04.jpg” is not")  # in Vietnamese
    assert not DossierFile.objects.exists() and stored_files(media) == []  # not the parts either
    page = client.get(response["Location"])
    assert page.status_code == 200 and page.get("Refresh") is None
    assert 'data-testid="scan-job-error"' in page.content.decode() and "trang-04.jpg" in page.content.decode()
    dossier.refresh_from_db()
    assert dossier.components_digitised == Digitisation.NONE


# -- removing and replacing a wrong file ------------------------------------------------------------------------


def test_removing_a_scan_with_a_reason_drops_the_dossier_to_partly_digitised_and_the_figure_by_one(
    client, commune_a, birth, desk, media,
):
    dossier = fully_scanned(commune_a, birth, desk)
    before = full_count(commune_a)
    wrong = DossierFile.objects.get(dossier=dossier, component__name=CERTIFICATE)
    url = reverse("dossiers:file-remove", kwargs={"code": dossier.code, "pk": wrong.pk})
    login(client, desk)
    assert client.get(url).status_code == 405  # POST only
    # Without a reason: refused with a message, nothing changed.
    refused = client.post(url, {f"rm{wrong.pk}-reason": "  "})
    assert refused.status_code == 400 and 'class="error"' in refused.content.decode()
    wrong.refresh_from_db()
    assert wrong.removed_at is None
    response = client.post(url, {f"rm{wrong.pk}-reason": "Quét nhầm giấy tờ của người khác"})
    assert response.status_code == 302
    wrong.refresh_from_db()
    assert (wrong.removed_by, wrong.removal_reason) == (desk, "Quét nhầm giấy tờ của người khác") and wrong.removed_at
    assert wrong.file.storage.exists(wrong.file.name)  # never deleted from the storage
    dossier.refresh_from_db()
    assert dossier.components_digitised == Digitisation.PARTIAL
    assert full_count(commune_a) == before - 1
    assert AuditEvent.objects.filter(table_name=DossierFile._meta.db_table, row_id=str(wrong.pk), action="update",
                                     actor_id=desk.pk).exists()
    # Shown struck through, with who, when and why; no longer offered to change.
    page = client.get(reverse("dossiers:detail", kwargs={"code": dossier.code})).content.decode()
    assert 'data-removed="1"' in page and "Quét nhầm giấy tờ của người khác" in page
    assert reverse("dossiers:file-remove", kwargs={"code": dossier.code, "pk": wrong.pk}) not in page
    # Removed twice: refused, the first trace kept.
    again = client.post(url, {f"rm{wrong.pk}-reason": "Lần nữa"})
    assert again.status_code == 400
    wrong.refresh_from_db()
    assert wrong.removal_reason == "Quét nhầm giấy tờ của người khác"


def test_a_replaced_scan_keeps_the_old_file_in_storage_and_the_trail(client, commune_a, birth, desk, media):
    dossier = fully_scanned(commune_a, birth, desk)
    old = DossierFile.objects.get(dossier=dossier, component__name=FORM)
    old_name = old.file.name
    login(client, desk)
    url = reverse("dossiers:file-replace", kwargs={"code": dossier.code, "pk": old.pk})
    response = client.post(url, {f"rp{old.pk}-reason": "Bản quét bị mờ", f"rp{old.pk}-pages": upload("to-khai.pdf", pdf_bytes(2))})
    assert response.status_code == 302
    old.refresh_from_db()
    new = old.replaced_by
    assert new is not None and new.component == old.component and new.pages == 2 and new.removed_at is None
    assert old.removal_reason == "Bản quét bị mờ" and old.removed_by == desk
    assert old.file.name == old_name and old.file.storage.exists(old_name)  # the old bytes stay
    assert len(stored_files(media)) == 4
    dossier.refresh_from_db()
    assert dossier.components_digitised == Digitisation.FULL  # still one file per component
    assert AuditEvent.objects.filter(table_name=DossierFile._meta.db_table, row_id=str(old.pk), action="update",
                                     after__replaced_by=new.pk).exists()
    page = client.get(reverse("dossiers:detail", kwargs={"code": dossier.code})).content.decode()
    assert "to-khai.pdf" in page and "Bản quét bị mờ" in page


def test_a_removed_result_is_not_offered_to_the_citizen_and_a_removed_file_not_reused(commune_a, birth, desk, processing_a):
    earlier = receive_with(commune_a, birth, desk, at=vn(2026, 1, 16, 9, 0), received={CERTIFICATE: ("certified_copy", 1)})
    given = attach(earlier, CERTIFICATE, pdf_bytes(), by=desk)
    earlier = dossier_resolve(dossier=earlier, by=desk,
                              result_file=dossier_files.prepare_result([upload("kq.pdf", pdf_bytes())]))
    result = DossierFile.objects.get(dossier=earlier, role="result")
    assert len(result_links(earlier.pk, earlier.code)) == 1
    dossier_files.file_remove(dossier=earlier, dossier_file=result, reason="Sai quyết định", by=desk)
    assert result_links(earlier.pk, earlier.code) == []
    earlier.refresh_from_db()
    assert earlier.result_digitised is False

    dossier = receive_with(commune_a, birth, desk, received={FORM: ("original", 1)})
    assert [f.pk for f in dossier_files.reusable_files(dossier, desk)] == [given.pk]
    dossier_files.file_remove(dossier=earlier, dossier_file=given, reason="Quét nhầm", by=desk)
    given.refresh_from_db()
    assert dossier_files.reusable_files(dossier, desk) == []
    with pytest.raises(dossier_files.FileRefused):
        dossier_files.file_reuse(dossier=dossier, component=components_of(dossier)[CERTIFICATE], source=given, by=desk)


def test_another_communes_desk_cannot_remove_or_replace_nor_see_a_job(
    client, commune_a, birth, desk, desk_b, media, django_capture_on_commit_callbacks,
):
    dossier = fully_scanned(commune_a, birth, desk)
    target = DossierFile.objects.get(dossier=dossier, component__name=FORM)
    login(client, desk)
    with django_capture_on_commit_callbacks(execute=True):
        scan(client, dossier, components_of(dossier)[CERTIFICATE], *pages(6))
    job = ScanJob.objects.get(dossier=dossier)
    client.logout()
    remove = reverse("dossiers:file-remove", kwargs={"code": dossier.code, "pk": target.pk})
    replace = reverse("dossiers:file-replace", kwargs={"code": dossier.code, "pk": target.pk})
    job_page = reverse("dossiers:scan-job", kwargs={"code": dossier.code, "pk": job.pk})
    assert client.post(remove, {f"rm{target.pk}-reason": "x"}).status_code == 302  # anonymous: to sign in
    login(client, desk_b)
    assert client.post(remove, {f"rm{target.pk}-reason": "Không phải của xã tôi"}).status_code in (403, 404)
    assert client.post(replace, {f"rp{target.pk}-reason": "x", f"rp{target.pk}-pages": upload("x.pdf", pdf_bytes())}).status_code in (403, 404)
    assert client.get(job_page).status_code in (403, 404)
    target.refresh_from_db()
    assert target.removed_at is None and target.replaced_by is None
    assert DossierFile.objects.filter(dossier=dossier).count() == 4  # three scans and the job's


# -- the citizen's earlier files: a logged view -------------------------------------------------------------


def test_the_reuse_list_on_the_dossier_page_is_logged_once_per_view(client, commune_a, birth, desk):
    earlier = receive_with(commune_a, birth, desk, at=vn(2026, 1, 16, 9, 0), received={CERTIFICATE: ("certified_copy", 1)})
    given = attach(earlier, CERTIFICATE, pdf_bytes(), by=desk)
    dossier = receive_with(commune_a, birth, desk, received={FORM: ("original", 1)})
    login(client, desk)
    page = client.get(reverse("dossiers:detail", kwargs={"code": dossier.code})).content.decode()
    assert re.findall(r'name="file" value="(\d+)"', page) == [str(given.pk)]
    logged = AuditEvent.objects.filter(table_name=DossierFile._meta.db_table, row_id=str(dossier.pk), action="view")
    assert logged.count() == 1
    event = logged.get()
    assert event.actor_id == desk.pk and event.after["reusable_files"] == [given.pk]
    client.get(reverse("dossiers:detail", kwargs={"code": dossier.code}))
    assert logged.count() == 2



def test_a_job_left_for_more_than_a_day_is_forgotten_with_its_parts_when_the_next_starts(commune_a, birth, desk):
    """Its broker was down and nobody opened its page again: the next job's start deletes it and its parts."""
    from datetime import timedelta

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.utils import timezone

    from dossiers.scan_jobs import scan_job_purge

    dossier = receive_with(commune_a, birth, desk, received={FORM: ("original", 1)})
    form = components_of(dossier)[FORM]
    part = default_storage.save("scan-jobs/left/0000", ContentFile(b"%PDF-1.4 a page"))
    left = ScanJob.objects.create(dossier=dossier, component=form, parts=[{"name": part, "original": "a.pdf"}],
                                  status=JobStatus.QUEUED, pages_total=1)
    fresh = ScanJob.objects.create(dossier=dossier, component=form, status=JobStatus.QUEUED)
    ScanJob.objects.filter(pk=left.pk).update(created_at=timezone.now() - timedelta(days=2))
    assert scan_job_purge() == 1
    assert not ScanJob.objects.filter(pk=left.pk).exists() and ScanJob.objects.filter(pk=fresh.pk).exists()
    assert not default_storage.exists(part)
