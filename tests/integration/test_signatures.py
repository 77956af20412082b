"""Signed PDFs with a real PKCS#11 token (SoftHSM2 from Debian) and a certificate authority the test
makes (issue 18): a commune's report signed with the key that never leaves the token, verified as valid
against the authority, shown as untrusted without it, and invalid once a byte of it changes."""
from __future__ import annotations

import os
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from motcua.models import SigningIdentity
from motcua.periods import parse_period
from motcua.signing import INVALID, UNSIGNED, UNTRUSTED, VALID, SigningError, sign_for_unit, sign_pdf, verify_pdf
from reports.formatters import to_pdf
from reports.report import build_report
from reports.services import report_export

pytestmark = pytest.mark.django_db

SOFTHSM = "/usr/lib/softhsm/libsofthsm2.so"
TOKEN, PIN, KEY = "ubnd-xa-ngoc-ky", "246810", "chu-ky-so-don-vi"


def _name(common: str, organisation: str = "UBND xã Ngọc Kỳ") -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                      x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _certificate(subject: x509.Name, public_key, issuer: x509.Name, issuer_key, *, ca: bool) -> x509.Certificate:
    now = datetime.now(timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
               .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
               .not_valid_after(now + timedelta(days=365))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ca:
        builder = builder.add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                                      data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                                      crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
    else:
        builder = builder.add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                                      data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                                      crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


@pytest.fixture(scope="session")
def authority(tmp_path_factory):
    """A certificate authority of the test (standing in for the national root of digital signatures)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = _name("CA thử nghiệm Một Cửa", "Tổ chức cung cấp dịch vụ chứng thực thử nghiệm")
    cert = _certificate(name, key.public_key(), name, key, ca=True)
    bundle = tmp_path_factory.mktemp("trust") / "roots.pem"
    bundle.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key, cert, bundle


@pytest.fixture(scope="session")
def token(authority, tmp_path_factory):
    """A SoftHSM2 token holding the commune's key pair (made inside the token) and its certificate."""
    if not (os.path.exists(SOFTHSM) and shutil.which("softhsm2-util")):
        pytest.fail("SoftHSM2 is not installed: scripts/bootstrap.sh --test installs softhsm2")
    import pkcs11
    from pkcs11 import Attribute, CertificateType, KeyType, ObjectClass

    home = tmp_path_factory.mktemp("softhsm")
    (home / "tokens").mkdir()
    conf = home / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {home / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", TOKEN, "--pin", PIN, "--so-pin", "13579111"],
                   check=True, capture_output=True)
    ca_key, ca_cert, _ = authority
    library = pkcs11.lib(SOFTHSM)
    with library.get_token(token_label=TOKEN).open(rw=True, user_pin=PIN) as session:
        public, _private = session.generate_keypair(KeyType.RSA, 2048, label=KEY, id=b"\x01", store=True)
        numbers = rsa.RSAPublicNumbers(int.from_bytes(public[Attribute.PUBLIC_EXPONENT], "big"),
                                       int.from_bytes(public[Attribute.MODULUS], "big"))
        cert = _certificate(_name("UBND xã Ngọc Kỳ"), numbers.public_key(), ca_cert.subject, ca_key, ca=False)
        session.create_object({
            Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
            Attribute.TOKEN: True, Attribute.LABEL: KEY, Attribute.ID: b"\x01",
            Attribute.SUBJECT: cert.subject.public_bytes(), Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER),
        })
    return cert


@pytest.fixture
def token_identity(commune_a, token, monkeypatch):
    monkeypatch.setenv("MOTCUA_TEST_TOKEN_PIN", PIN)
    return SigningIdentity.objects.create(unit=commune_a, kind=SigningIdentity.Kind.PKCS11, pkcs11_module=SOFTHSM,
                                          token_label=TOKEN, key_label=KEY, secret_env="MOTCUA_TEST_TOKEN_PIN",
                                          signer_name="Nguyễn Văn Hùng")


@pytest.fixture
def trusted(settings, authority):
    settings.SIGNATURE_TRUST_ROOTS = str(authority[2])


@pytest.fixture
def report_pdf(commune_a):
    """The commune's report as the formatter writes it, before any signature."""
    return to_pdf(build_report(commune_a, parse_period("2023-Q1")))


def test_a_report_signed_with_the_token_is_valid_with_its_signer_and_time(token_identity, trusted, report_pdf):
    before = datetime.now(timezone.utc) - timedelta(seconds=5)
    signed = sign_pdf(report_pdf, token_identity, reason="Báo cáo quý I năm 2023", location="Ngọc Kỳ")
    check = verify_pdf(signed)
    assert check.state == VALID and check.is_valid
    assert check.signer == "UBND xã Ngọc Kỳ"
    assert check.signed_at is not None and check.signed_at >= before


def test_without_the_authority_among_the_trusted_roots_the_signature_is_untrusted(token_identity, settings, report_pdf):
    settings.SIGNATURE_TRUST_ROOTS = ""
    assert verify_pdf(sign_pdf(report_pdf, token_identity)).state == UNTRUSTED


def test_a_file_changed_after_signing_is_invalid(token_identity, trusted, report_pdf):
    signed = bytearray(sign_pdf(report_pdf, token_identity))
    signed[len(report_pdf) // 2] ^= 0x01  # a byte of the original document, inside the signed range
    assert verify_pdf(bytes(signed)).state == INVALID
    appended = sign_pdf(report_pdf, token_identity) + b"\n% added after signing\n"
    assert verify_pdf(appended).state == INVALID


def test_an_unsigned_pdf_and_a_wrong_pin(token_identity, report_pdf, monkeypatch):
    assert verify_pdf(report_pdf).state == UNSIGNED
    monkeypatch.setenv("MOTCUA_TEST_TOKEN_PIN", "000000")
    with pytest.raises(SigningError):
        sign_pdf(report_pdf, token_identity)


def test_a_pkcs12_identity_signs_too(commune_a, authority, trusted, tmp_path, report_pdf, monkeypatch):
    ca_key, ca_cert, _ = authority
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = _certificate(_name("UBND xã Ngọc Kỳ (tệp)"), key.public_key(), ca_cert.subject, ca_key, ca=False)
    path = Path(tmp_path) / "ngoc-ky.p12"
    path.write_bytes(pkcs12.serialize_key_and_certificates(b"ngoc-ky", key, cert, [ca_cert],
                                                           serialization.BestAvailableEncryption(b"mat-khau")))
    monkeypatch.setenv("MOTCUA_TEST_P12", "mat-khau")
    SigningIdentity.objects.create(unit=commune_a, kind=SigningIdentity.Kind.PKCS12, pkcs12_path=str(path),
                                   secret_env="MOTCUA_TEST_P12")
    check = verify_pdf(sign_for_unit(commune_a, report_pdf))
    assert (check.state, check.signer) == (VALID, "UBND xã Ngọc Kỳ (tệp)")


def test_the_pdf_export_of_a_unit_with_an_identity_comes_out_signed(token_identity, trusted, commune_a):
    content = report_export(unit=commune_a, period=parse_period("2023-Q1"), fmt="pdf")
    assert verify_pdf(content).state == VALID


def test_a_commune_sends_its_report_signed_and_the_district_reads_that_version_verified(
        client, token_identity, trusted, commune_a, leader_a, district_office, leader_b):
    from django.urls import reverse

    from reports.services import report_submit

    submission = report_submit(unit=commune_a, period="2023-Q1", by=leader_a, narrative={"assessment": "Hoàn thành."})
    assert submission.signed_pdf
    client.force_login(district_office)
    page = client.get(reverse("reports:submission", args=[submission.pk]))
    assert 'data-state="valid"' in page.content.decode() and page.context["signature"].signer == "UBND xã Ngọc Kỳ"
    download = client.get(reverse("reports:submission-pdf", args=[submission.pk]))
    assert download.status_code == 200
    assert verify_pdf(b"".join(download.streaming_content)).state == VALID
    client.force_login(leader_b)  # another commune: neither the page nor the file
    assert client.get(reverse("reports:submission-pdf", args=[submission.pk])).status_code == 404


def test_a_file_stored_with_a_dossier_is_verified_as_it_is_stored(token_identity, trusted, report_pdf):
    """dossiers.files.verify_signature, asked for every stored file: a signed result is valid with its
    signer, a changed copy invalid, a scanned image unsigned."""
    from dossiers.files import verify_signature
    from dossiers.models import DossierFile

    signed = sign_pdf(report_pdf, token_identity)
    state, detail = verify_signature(DossierFile(), signed)
    assert (state, detail["signer"]) == (VALID, "UBND xã Ngọc Kỳ")
    tampered = bytearray(signed)
    tampered[len(report_pdf) // 2] ^= 0x01
    assert verify_signature(DossierFile(), bytes(tampered))[0] == INVALID
    assert verify_signature(DossierFile(), b"\xff\xd8\xff\xe0 a scanned page")[0] == UNSIGNED


def test_the_citizen_downloads_the_signed_result_and_sees_its_signature(
        client, token_identity, trusted, commune_a, report_pdf):
    """The lookup lists the electronic result of a finished dossier with its signature's check."""
    from django.core.files.base import ContentFile
    from django.urls import reverse
    from django.utils import timezone

    from dossiers.files import verify_signature
    from dossiers.models import DossierFile, FileRole
    from tests.factories import make_dossier, procedure_make, vn

    birth = procedure_make("1.001193", "Đăng ký khai sinh", post_at=[commune_a])
    dossier = make_dossier(procedure=birth, unit=commune_a, received_at=vn(2026, 3, 2, 9), due_at=vn(2026, 3, 5, 9),
                           resolved_at=vn(2026, 3, 4, 9), outcome="early", status="resolved", applicant_phone="0912345678")
    signed = sign_pdf(report_pdf, token_identity)
    row = DossierFile(dossier=dossier, role=FileRole.RESULT, original_name="ket-qua.pdf", content_type="application/pdf",
                      size=len(signed), sha256="0" * 64, uploaded_at=timezone.now())
    row.signature, row.signature_detail = verify_signature(row, signed)
    row.file.save("ket-qua.pdf", ContentFile(signed), save=True)
    page = client.get(reverse("lookup:lookup"), {"code": dossier.code, "phone4": "5678"}).content.decode()
    assert 'data-testid="lookup-result-files"' in page and 'data-state="valid"' in page
    assert "UBND xã Ngọc Kỳ" in page


def test_the_desk_signs_the_result_with_the_unit_token_as_it_resolves(
        client, token_identity, trusted, commune_a, agency_a, processing_a, report_pdf):
    """Resolved with an unsigned PDF and "sign" ticked: the stored result carries the unit's signature, valid,
    with its signer; a unit without a certificate is not offered the box."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from dossiers.models import DossierFile, FileRole, Status
    from dossiers.services import Applicant, dossier_receive
    from tests.factories import PASSWORD, procedure_make

    birth = procedure_make("1.001193", "Đăng ký khai sinh", post_at=[commune_a])
    dossier = dossier_receive(unit=commune_a, procedure=birth, by=processing_a, applicant=Applicant(name="Lê Văn An"))
    client.login(username=processing_a.username, password=PASSWORD)
    page = client.get(reverse("dossiers:detail", kwargs={"code": dossier.code})).content.decode()
    assert 'name="resolve-sign_result"' in page
    response = client.post(reverse("dossiers:action", kwargs={"code": dossier.code, "action": "resolve"}), {
        "resolve-result_file": SimpleUploadedFile("giay-khai-sinh.pdf", report_pdf, "application/pdf"),
        "resolve-sign_result": "on"})
    assert response.status_code == 302
    dossier.refresh_from_db()
    result = DossierFile.objects.get(dossier=dossier, role=FileRole.RESULT)
    assert (dossier.status, dossier.result_digitised) == (Status.RESOLVED, True)
    assert (result.signature, result.signature_detail["signer"]) == (VALID, "UBND xã Ngọc Kỳ")
    assert result.size > len(report_pdf)

    token_identity.is_active = False
    token_identity.save()
    other = dossier_receive(unit=commune_a, procedure=birth, by=processing_a, applicant=Applicant(name="Lê Thị Bình"))
    page = client.get(reverse("dossiers:detail", kwargs={"code": other.code})).content.decode()
    assert 'name="resolve-sign_result"' not in page
