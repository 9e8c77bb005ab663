"""Template context shared by every page: the signed-in person's role flags, and whether Redis can be reached."""

from portal.lib.redis_guard import redis_unavailable
from portal.roles import roles_of


def portal(request):
    """Role flags for the navigation. Badges (the review queue count) come from the apps' own processors."""
    roles = roles_of(request.user) if hasattr(request, "user") else set()
    # The function, not its value: the template asks when it reaches the banner, after the page's own Redis reads.
    return {"user_roles": sorted(roles), "redis_unavailable": redis_unavailable}
