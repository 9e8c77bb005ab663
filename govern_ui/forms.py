"""Forms of the reviewers' workspace: artifact and queue filters, and the three review actions."""

from __future__ import annotations

import uuid

from django import forms
from django.core.validators import RegexValidator

from govern_ui import queue
from govern_ui.browse import SORTS
from govern_ui.client import GovernUser
from govern_ui.people import DelegationRules, names_of, resolve
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


class QueueFilterForm(forms.Form):
    tab = forms.ChoiceField(required=False, choices=list(queue.TABS.items()))
    blueprint = forms.CharField(required=False, max_length=200)
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status")] + [(s, queue.status_label(s)) for s in queue.OPEN_STATUS_CHOICES]
    )
    sort = forms.ChoiceField(required=False, choices=list(queue.SORTS.items()), label="Sort by")
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
        help_text=f"At most {COMMENT_MAX_CHARS:,} characters. Govern records it with your name.",
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, validators=[_KEY], max_length=64)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", new_idempotency_key())
            # A form that opens puts the keyboard in its first field (after a failed submit, the error summary).
            first = "delegate_to" if "delegate_to" in self.fields else "comment"
            self.fields[first].widget.attrs["autofocus"] = "autofocus"
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
        max_length=200,
        label="Delegate to",
        widget=forms.TextInput(attrs={"list": "govern-users", "autocomplete": "off", "type": "search"}),
        help_text="A person who may review this step: type a name or a Govern login, or pick from the list.",
        error_messages={"required": "Choose the person to delegate to."},
    )

    def __init__(self, *args, users: dict[str, GovernUser] | None = None, rules: DelegationRules | None = None,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.users = users or {}
        self.rules = rules

    def clean_delegate_to(self):
        # A display name, a login, or the picker's "Name (login)" label.
        found = resolve(self.cleaned_data["delegate_to"], self.users)
        if found.problem:
            raise forms.ValidationError(found.problem)
        if self.rules is not None:
            problem = self.rules.refusal(found.login, names_of(self.users))
            if problem:
                raise forms.ValidationError(problem)
        return found.login


FORMS = {"approve": ApproveForm, "reject": RejectForm, "delegate": DelegateForm}
