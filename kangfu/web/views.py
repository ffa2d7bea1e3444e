from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from kangfu.access.choices import Role
from kangfu.access.scoping import CASE_STAFF_ROLES, grants_of, has_role
from kangfu.people.selectors import caseload_counts


@login_required
def home(request):
    """Where the user works and how many people that covers; no names on this page."""
    user = request.user
    context = {
        "grants": grants_of(user),
        "counts": caseload_counts(user=user) if has_role(user, CASE_STAFF_ROLES) else None,
        "is_admin": has_role(user, [Role.ADMINISTRATOR]),
        "is_partner_only": has_role(user, [Role.PARTNER]) and not has_role(user, CASE_STAFF_ROLES),
    }
    return render(request, "web/home.html", context)
