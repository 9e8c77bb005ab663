"""The audit page's filters: one GET form, so every view is a URL that can be bookmarked and shared."""

from __future__ import annotations

from django import forms

from portal.audit.models import AuditEvent


class AuditFilterForm(forms.Form):
    actor = forms.CharField(required=False, max_length=150, label="Actor",
                            help_text="Portal username or Govern login")
    action = forms.CharField(required=False, max_length=64, label="Action",
                             help_text='An action, or a family: "signoff" matches signoff.approve, …')
    source = forms.ChoiceField(required=False, label="Source",
                               choices=[("", "Any"), *AuditEvent.Source.choices])
    artifact = forms.CharField(required=False, max_length=200, label="Artifact")
    blueprint = forms.CharField(required=False, max_length=200, label="Blueprint")
    deployment = forms.CharField(required=False, max_length=200, label="Deployment")
    request = forms.CharField(required=False, max_length=64, label="Request id")
    since = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}),
                            input_formats=["%Y-%m-%d"])
    until = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}),
                            input_formats=["%Y-%m-%d"])
    q = forms.CharField(required=False, max_length=200, label="Text",
                        widget=forms.TextInput(attrs={"type": "search"}),
                        help_text="In actor, action, target, input (comments) and upstream message")
    # Keyset cursors: events older than `before`, or newer than `after` (ids).
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    after = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    FILTERS = ("actor", "action", "source", "artifact", "blueprint", "deployment", "request", "since", "until", "q")

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "The end date is before the start date.")
        if data.get("before") and data.get("after"):
            self.add_error(None, "Use one page cursor at a time.")
        for name in self.FILTERS:
            value = data.get(name)
            if isinstance(value, str):
                data[name] = value.strip().replace("\x00", "")
        return data

    def filters(self) -> dict:
        """The valid filters that are set (no cursors)."""
        return {name: self.cleaned_data[name] for name in self.FILTERS if self.cleaned_data.get(name)}
