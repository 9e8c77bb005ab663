"""The review-queue badge in the navigation, read from the Govern mirror (never from Govern)."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from govern_ui.queue import queue_count
from portal.roles import REVIEWER, has_role


class _Badge:
    def __init__(self, user):
        self.count = queue_count(user)


def govern(request):
    """`govern_badge.count`: the signed-in reviewer's queue length, None for others or while the mirror was never
    filled. Lazy, so pages that do not show the nav pay nothing."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not has_role(user, REVIEWER):
        return {"govern_is_reviewer": False}
    return {"govern_is_reviewer": True, "govern_badge": SimpleLazyObject(lambda: _Badge(user))}
