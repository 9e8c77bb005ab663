"""Forms of the portal's own pages: a person's personal Govern API key."""

from __future__ import annotations

from django import forms

KEY_MAX_CHARS = 512


class GovernKeyForm(forms.Form):
    # A password input never renders its value: the saved key is not sent back to the browser.
    api_key = forms.CharField(
        label="Personal Govern API key",
        max_length=KEY_MAX_CHARS,
        strip=True,
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text="Create it in Govern (your profile, API keys). It is stored encrypted and never shown again.",
        error_messages={"required": "Paste the key to save it."},
    )

    def clean_api_key(self):
        key = self.cleaned_data["api_key"]
        if any(ch.isspace() for ch in key):
            raise forms.ValidationError("An API key has no spaces or line breaks: paste it again.")
        return key
