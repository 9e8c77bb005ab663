"""Input of the API-node pages: the chart range and the admin operations' forms (with their one-time token).

The import form takes exactly what the contract's `importGeneration` body holds, one `file` part with a ZIP archive,
and refuses anything else before the node is called.
"""

from __future__ import annotations

import re
import zipfile

from django import forms

from deployer_ui.apinode_admin import MAX_ARCHIVE_BYTES
from deployer_ui.charts import DEFAULT_RANGE, RANGES

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class RangeForm(forms.Form):
    range = forms.ChoiceField(required=False, choices=[(key, key) for key in RANGES])

    def chosen(self) -> str:
        return (self.cleaned_data.get("range") if self.is_valid() else "") or DEFAULT_RANGE


class TokenForm(forms.Form):
    """A confirmation: the one-time token its page was given (redeemed by the view, once)."""

    token = forms.CharField(max_length=100, widget=forms.HiddenInput)


class KeyFieldsForm(forms.Form):
    """A new auth key's label and scope (the page's form adds its confirmation token; the API uses this alone)."""

    label = forms.CharField(max_length=200, help_text="Who or what will use the key, e.g. “mobile app”.")
    allowed_services = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked to allow every service of the node.",
    )

    def __init__(self, *args, services: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["allowed_services"].choices = [(s, s) for s in services]

    def clean_label(self) -> str:
        label = self.cleaned_data["label"].strip()
        if not label or _CONTROL.search(label):
            raise forms.ValidationError("Give a label of printable characters.")
        return label


class CreateKeyForm(TokenForm, KeyFieldsForm):
    pass


class ArchiveForm(forms.Form):
    """A generation archive: one ZIP file (the page's form adds its confirmation token; the API uses this alone)."""

    file = forms.FileField(label="Generation archive (ZIP)", allow_empty_file=False,
                           help_text="The bundle archive exported for this service, as a .zip file.")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_ARCHIVE_BYTES:
            raise forms.ValidationError(f"The archive is larger than {MAX_ARCHIVE_BYTES // (1024 * 1024)} MB.")
        name = (upload.name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
        if not name.lower().endswith(".zip") or _CONTROL.search(name):
            raise forms.ValidationError("The archive must be a .zip file.")
        try:
            valid = zipfile.is_zipfile(upload)
        finally:
            upload.seek(0)
        if not valid:
            raise forms.ValidationError("This file is not a ZIP archive; nothing was sent to the node.")
        upload.name = name
        return upload


class ImportGenerationForm(TokenForm, ArchiveForm):
    pass
