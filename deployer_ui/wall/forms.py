"""Input of the wall pages: a signed-in wall's filter, and the admins' form for a new screen."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from deployer_ui.wall.board import WallScope

MAX_VALUES = 50
MAX_LENGTH = 200


def scope_from_query(query) -> WallScope | None:
    """The scope of a signed-in wall from repeated `stage`, `infra` and `project` query parameters; None when they
    are not sane (too many, too long, control characters)."""
    values = {name: query.getlist(name) for name in ("stage", "infra", "project")}
    for items in values.values():
        if len(items) > MAX_VALUES or any(len(v) > MAX_LENGTH or not v.isprintable() for v in items):
            return None
    return WallScope.of(values["stage"], values["infra"], values["project"])


class WallScreenFieldsForm(forms.Form):
    """A new screen: a name, an optional scope among the deployments the status cache knows, an optional expiry (the
    page's form adds a one-time token; the API uses this alone)."""

    name = forms.CharField(max_length=100, help_text="Where the screen hangs, e.g. “Ops room TV”.")
    stages = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    infras = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    projects = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    expires_at = forms.DateTimeField(required=False, label="Expires at",
                                     widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                     help_text="Leave empty for a screen that stays until revoked.")
    def __init__(self, *args, stages=(), infras=(), projects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stages"].choices = [(s, s) for s in stages]
        self.fields["infras"].choices = [(i, i) for i in infras]
        self.fields["projects"].choices = [(p, p) for p in projects]

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name or not name.isprintable():
            raise forms.ValidationError("Give the screen a printable name.")
        return name

    def clean_expires_at(self):
        value = self.cleaned_data.get("expires_at")
        if value is not None and value <= timezone.now():
            raise forms.ValidationError("The expiry must be in the future.")
        return value

    def scope(self) -> WallScope:
        return WallScope.of(self.cleaned_data["stages"], self.cleaned_data["infras"], self.cleaned_data["projects"])


class WallScreenForm(WallScreenFieldsForm):
    # A one-time token (portal.lib.onetime): a double submit creates one screen, not two.
    once = forms.CharField(max_length=100, widget=forms.HiddenInput)
