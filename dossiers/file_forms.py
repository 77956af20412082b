"""The forms of a dossier's files beyond intake: a scan large enough for a job, removing a wrong file
(with its reason) and replacing it."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .files import FileRefused, prepare, prepare_result
from .forms import ComponentForm, MultipleFileField
from .models import DossierFile, FileRole, ReceivedForm
from .scan_jobs import needs_job

REASON_MAX = 1000


class ScanComponentForm(ComponentForm):
    """``ComponentForm``, except that many or large pages are not joined here: they are left in
    ``uploads`` for a scan job (dossiers.scan_jobs), ``prepared`` staying None."""

    def clean(self):
        uploads = [upload for upload in (self.cleaned_data.get("pages") or []) if upload]
        if not (uploads and needs_job(uploads)):
            data = super().clean()
            data["uploads"] = []
            return data
        data = forms.Form.clean(self)
        if data.get("received_as") == ReceivedForm.NOT_RECEIVED:
            raise forms.ValidationError(
                _("A component not received cannot carry a file: record what was received first."), code="not-received"
            )
        data["prepared"], data["uploads"] = None, uploads
        return data


class FileRemoveForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the removal"), max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the file is removed.")},
    )

    def __init__(self, *args, dossier_file: DossierFile, **kwargs):
        kwargs.setdefault("prefix", f"rm{dossier_file.pk}")
        super().__init__(*args, **kwargs)
        self.dossier_file = dossier_file


class FileReplaceForm(FileRemoveForm):
    """A new file in place of a wrong one: pages joined (a component's scan; many pages by a job), or one
    file kept as it is (the result)."""

    pages = MultipleFileField(
        label=_("New file or pages"), required=True,
        help_text=_("PDF, JPEG or PNG; several pages are joined into one PDF in the order chosen."),
        error_messages={"required": _("Choose a file to upload.")},
    )

    def __init__(self, *args, dossier_file: DossierFile, **kwargs):
        kwargs.setdefault("prefix", f"rp{dossier_file.pk}")
        super().__init__(*args, dossier_file=dossier_file, **kwargs)
        self.fields["reason"].label = _("Reason for the replacement")
        self.fields["reason"].error_messages["required"] = _("Say why the file is replaced.")

    def clean(self):
        data = super().clean()
        uploads = [upload for upload in (data.get("pages") or []) if upload]
        data["prepared"], data["uploads"] = None, []
        if not uploads:
            if "pages" not in self.errors:
                self.add_error("pages", forms.ValidationError(_("Choose a file to upload."), code="required"))
            return data
        result = self.dossier_file.role == FileRole.RESULT
        if not result and needs_job(uploads):
            data["uploads"] = uploads
            return data
        try:
            data["prepared"] = prepare_result(uploads) if result else prepare(uploads)
        except FileRefused as error:
            self.add_error("pages", forms.ValidationError(str(error), code="file"))
        return data
