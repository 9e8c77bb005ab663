"""Template context shared by every page: the signed-in person's role flags."""

from portal.roles import roles_of


def portal(request):
    """Role flags for the navigation. Badges (the review queue count) come from the apps' own processors."""
    roles = roles_of(request.user) if hasattr(request, "user") else set()
    return {"user_roles": sorted(roles)}
