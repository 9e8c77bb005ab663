"""Input of the operators' pages: dashboard filters and the action forms."""

from __future__ import annotations

from django import forms

from deployer_ui.client import HEALTH_VALUES

HEALTH_CHOICES = [("", "Any health")] + [(h.lower(), h.replace("_", " ").title()) for h in HEALTH_VALUES] + [
    ("loading", "Loading")
]


class DashboardFilterForm(forms.Form):
    stage = forms.CharField(required=False, max_length=200)
    infra = forms.CharField(required=False, max_length=200)
    health = forms.ChoiceField(required=False, choices=HEALTH_CHOICES)
    project = forms.CharField(required=False, max_length=200)
    q = forms.CharField(required=False, max_length=100, label="Search")


class ConfirmForm(forms.Form):
    """Every consequential POST carries `confirm=yes`, which only the confirmation page's button sends."""

    confirm = forms.CharField(required=False, max_length=8)

    def confirmed(self) -> bool:
        return self.is_valid() and self.cleaned_data.get("confirm") == "yes"


class TokenForm(forms.Form):
    """A confirmation by the one-time token its page was given (the view redeems it, once)."""

    token = forms.CharField(max_length=100, widget=forms.HiddenInput)


class BundleForm(forms.Form):
    bundle = forms.ChoiceField(label="Bundle to deploy")
    confirm = forms.CharField(required=False, max_length=8, widget=forms.HiddenInput)

    def __init__(self, *args, bundles: list[str], current: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bundle"].choices = [(b, f"{b} (current)" if b == current else b) for b in bundles]


class GenerationForm(forms.Form):
    generation = forms.CharField(max_length=255)
    confirm = forms.CharField(required=False, max_length=8)
