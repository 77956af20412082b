"""Signed PDFs: PAdES signatures through pyHanko with a unit's organisational certificate, and their
verification.

A unit signs with the identity an administrator configured for it (``motcua.models.SigningIdentity``):
a PKCS#12 file on the server, or a PKCS#11 token (the USB tokens Vietnamese units are issued; SoftHSM2 in
the tests) through its module, token label and key label. The PIN or passphrase is never stored in the
database: the identity names the environment variable that holds it.

Verification reads every signature of a PDF and says, in one of four words, what a desk officer and a
citizen need to know: ``valid`` (intact, covering the whole file, by a certificate chaining to a root of
``SIGNATURE_TRUST_ROOTS``), ``untrusted`` (intact, but its certificate chains to no configured root),
``invalid`` (the file changed after signing, or the signature is broken), ``unsigned``; with the signer's
name and the signing time. A file changed after signing, even by an appended revision, is invalid.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO

from django.conf import settings
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

VALID, UNTRUSTED, INVALID, UNSIGNED = "valid", "untrusted", "invalid", "unsigned"


class SigningError(Exception):
    """The unit cannot sign now (no identity, a token not plugged in, a wrong PIN): said in Vietnamese."""


@dataclass(frozen=True)
class SignatureCheck:
    state: str  # VALID, UNTRUSTED, INVALID, UNSIGNED
    signer: str = ""
    signed_at: datetime | None = None
    detail: str = ""

    @property
    def is_valid(self) -> bool:
        return self.state == VALID


# -- signing --------------------------------------------------------------------------------------


def _secret(identity) -> str:
    name = (identity.secret_env or "").strip()
    value = os.environ.get(name, "") if name else ""
    if name and not value:
        raise SigningError(_("The PIN of %(unit)s's signing certificate is not set (environment variable %(name)s).")
                           % {"unit": identity.unit.name, "name": name})
    return value


def _signer(identity):
    from pyhanko.sign import signers

    if identity.kind == identity.Kind.PKCS12:
        secret = _secret(identity)
        signer = signers.SimpleSigner.load_pkcs12(identity.pkcs12_path, passphrase=secret.encode() if secret else None)
        if signer is None:
            raise SigningError(_("The certificate file of %(unit)s cannot be opened (%(path)s).")
                               % {"unit": identity.unit.name, "path": identity.pkcs12_path})
        return signer, None
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign import pkcs11

    try:
        session = pkcs11.open_pkcs11_session(identity.pkcs11_module, token_criteria=TokenCriteria(label=identity.token_label),
                                             user_pin=_secret(identity))
    except SigningError:
        raise
    except Exception as error:  # no token, wrong PIN, module missing: python-pkcs11 raises many kinds
        raise SigningError(_("The signing token of %(unit)s cannot be opened: %(error)s")
                           % {"unit": identity.unit.name, "error": error.__class__.__name__}) from error
    signer = pkcs11.PKCS11Signer(session, key_label=identity.key_label, cert_label=identity.cert_label or identity.key_label)
    return signer, session


def sign_pdf(content: bytes, identity, *, reason: str = "", location: str = "") -> bytes:
    """The PDF with a PAdES signature by ``identity``, its signing time and the signer in it."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer, session = _signer(identity)
    try:
        writer = IncrementalPdfFileWriter(BytesIO(content))
        field = f"ChuKySo{len(writer.prev.embedded_signatures) + 1}"  # a second signer countersigns in a new field
        meta = signers.PdfSignatureMetadata(
            field_name=field, reason=reason or None, location=location or None, name=identity.signer_name or None,
            subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
        )
        try:
            return signers.sign_pdf(writer, meta, signer=signer).getvalue()
        except Exception as error:
            raise SigningError(_("The document could not be signed with the certificate of %(unit)s: %(error)s")
                               % {"unit": identity.unit.name, "error": error}) from error
    finally:
        if session is not None:
            session.close()


def identity_of(unit):
    """The unit's active signing identity, or None."""
    from .models import SigningIdentity

    return SigningIdentity.objects.filter(unit=unit, is_active=True).select_related("unit").first()


def sign_for_unit(unit, content: bytes, *, reason: str = "", location: str = "") -> bytes:
    """Signed by the unit's identity when it has one; as it is otherwise."""
    identity = identity_of(unit)
    return sign_pdf(content, identity, reason=reason, location=location) if identity else content


# -- verification ---------------------------------------------------------------------------------


def _trust_roots() -> list:
    from asn1crypto import pem, x509

    roots = []
    path = getattr(settings, "SIGNATURE_TRUST_ROOTS", "")
    if path and os.path.exists(path):
        with open(path, "rb") as handle:
            data = handle.read()
        blocks = [der for _, _, der in pem.unarmor(data, multiple=True)] if pem.detect(data) else [data]
        roots = [x509.Certificate.load(der) for der in blocks]
    return roots


def verify_pdf(content: bytes) -> SignatureCheck:
    """What the signatures of a PDF say (the last one decides; see the module docstring)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    if not content.startswith(b"%PDF-"):
        return SignatureCheck(UNSIGNED)
    try:
        reader = PdfFileReader(BytesIO(content), strict=False)
        signatures = reader.embedded_signatures
    except Exception as error:
        return SignatureCheck(INVALID, detail=str(error)[:200])
    if not signatures:
        return SignatureCheck(UNSIGNED)
    signature = signatures[-1]
    roots = _trust_roots()
    # Only the configured roots: never the operating system's list (an office trusts whom it chose).
    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    try:
        status = validate_pdf_signature(signature, context)
    except Exception as error:
        return SignatureCheck(INVALID, detail=str(error)[:200])
    signer = ""
    if status.signing_cert is not None:
        names = status.signing_cert.subject.native
        signer = names.get("common_name") or names.get("organization_name") or status.signing_cert.subject.human_friendly
    signed_at = status.signer_reported_dt
    if not status.intact or not status.valid or status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return SignatureCheck(INVALID, signer, signed_at, _("The file was changed after it was signed."))
    if not status.trusted:
        return SignatureCheck(UNTRUSTED, signer, signed_at, _("The certificate is not issued by a trusted authority."))
    return SignatureCheck(VALID, signer, signed_at)
