"""Sign-ins, sign-outs, failed sign-ins and lockouts, recorded from Django's auth signals and django-axes."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from portal.audit.service import record


@receiver(user_logged_in, dispatch_uid="audit_login")
def _logged_in(sender, request, user, **kwargs):
    record(actor=user, action="auth.login", target_type="user", target_id=user.get_username(), outcome="success")


@receiver(user_logged_out, dispatch_uid="audit_logout")
def _logged_out(sender, request, user, **kwargs):
    if user is None:  # signing out without a session: nobody to name
        return
    record(actor=user, action="auth.logout", target_type="user", target_id=user.get_username(), outcome="success")


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    # Django has already masked the password in `credentials`; only the name typed is kept.
    typed = str(credentials.get("username", ""))[:150]
    record(actor=None, actor_name=typed or "(blank)", action="auth.login_failed", target_type="user",
           target_id=typed, outcome="failed")


@receiver(user_locked_out, dispatch_uid="audit_locked_out")
def _locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    # Sent when the limit is reached and again for each attempt while locked out: each refusal is one event.
    typed = str(username or "")[:150]
    record(actor=None, actor_name=typed or "(blank)", action="auth.locked_out", target_type="user",
           target_id=typed, outcome="refused", input={"address": ip_address or ""})
