"""`{% audit_history artifact=… step=… %}` / `{% audit_history deployment=… %}`: the history tab of a page, in one
line of its template."""

from django import template

from portal.audit import history
from portal.roles import ADMIN, AUDITOR, has_role

register = template.Library()


@register.inclusion_tag("audit/_history.html", takes_context=True)
def audit_history(context, artifact="", step="", deployment="", review_action=""):
    if artifact:
        found = history.for_artifact(str(artifact), str(step) or None)
    elif deployment:
        found = history.for_deployment(str(deployment))
    elif review_action:
        found = history.for_review_action(int(review_action))
    else:
        found = history.History(events=[], more=False)
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"history": found, "audit_reader": user is not None and has_role(user, AUDITOR, ADMIN)}
