"""Input of the profile page's API tokens section: a new token's name."""

from __future__ import annotations

from django import forms


class NewTokenForm(forms.Form):
    name = forms.CharField(max_length=100, label="Token name",
                           help_text="What it is for, e.g. “CI pipeline”: you see it in the list, never the token.")

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name or not name.isprintable():
            raise forms.ValidationError("Give the token a printable name.")
        return name
