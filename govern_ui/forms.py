"""Forms of the reviewers' workspace: artifact filters and the three review actions."""

from __future__ import annotations

import uuid

from django import forms
from django.core.validators import RegexValidator

from govern_ui.browse import SORTS
from govern_ui.review import COMMENT_MAX_CHARS

_KEY = RegexValidator(r"^[A-Za-z0-9_-]{8,64}$", "This form has expired. Reload the page and try again.")


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


class ArtifactFilterForm(forms.Form):
    blueprint = forms.CharField(required=False, max_length=200)
    status = forms.CharField(required=False, max_length=200)
    q = forms.CharField(required=False, max_length=200, label="Search names")
    sort = forms.ChoiceField(required=False, choices=[(k, v) for k, v in SORTS.items()])
    desc = forms.BooleanField(required=False, label="Descending")
    page = forms.IntegerField(required=False, min_value=1)


class _ActionForm(forms.Form):
    comment = forms.CharField(
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=COMMENT_MAX_CHARS,
        error_messages={
            "max_length": f"The comment is too long: at most {COMMENT_MAX_CHARS:,} characters "
            "(it has %(show_value)d). Shorten it; nothing was sent."
        },
        help_text=f"At most {COMMENT_MAX_CHARS:,} characters. Govern records it as “[via portal: you] …”.",
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, validators=[_KEY], max_length=64)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", new_idempotency_key())
        self.fields["comment"].widget.attrs["maxlength"] = str(COMMENT_MAX_CHARS)


class ApproveForm(_ActionForm):
    pass


class RejectForm(_ActionForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comment"].required = True
        self.fields["comment"].error_messages["required"] = "A rejection needs a comment: say what must change."
        self.fields["comment"].widget.attrs["required"] = "required"

    def clean_comment(self):
        comment = self.cleaned_data["comment"]
        if not comment.strip():
            raise forms.ValidationError("A rejection needs a comment: say what must change.")
        return comment


class DelegateForm(_ActionForm):
    field_order = ["delegate_to", "comment", "idempotency_key", "confirm"]
    delegate_to = forms.CharField(
        max_length=150,
        label="Delegate to (Govern user)",
        widget=forms.TextInput(attrs={"list": "govern-users", "autocomplete": "off", "type": "search"}),
        help_text="Type to search by name or login.",
    )

    def __init__(self, *args, users=None, self_login="", **kwargs):
        super().__init__(*args, **kwargs)
        self.users = users or {}
        self.self_login = self_login

    def clean_delegate_to(self):
        value = self.cleaned_data["delegate_to"].strip()
        # Some browsers fill in the datalist's "Name (login)" label: accept that form too.
        if value not in self.users and value.endswith(")") and "(" in value:
            value = value.rsplit("(", 1)[1][:-1].strip()
        if value not in self.users:
            raise forms.ValidationError("Choose a known Govern user from the list.")
        if value == self.self_login:
            raise forms.ValidationError("You cannot delegate a step to yourself.")
        return value


FORMS = {"approve": ApproveForm, "reject": RejectForm, "delegate": DelegateForm}
