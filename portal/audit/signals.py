"""Sign-ins, sign-outs and failed sign-ins, recorded from Django's auth signals."""

from __future__ import annotations

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
