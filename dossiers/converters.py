"""The path converter of dossier codes: exactly the characters a stored code may hold
(``dossiers.numbering.CODE_PATH``), so reversing an address never fails on a stored code and no
other text is taken for one. Registered once, on import, as ``dossier_code``."""
from django.urls import register_converter

from .numbering import CODE_PATH


class DossierCodeConverter:
    regex = CODE_PATH

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(DossierCodeConverter, "dossier_code")
