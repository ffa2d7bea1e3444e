from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from kangfu.access.permissions import Action, may
from kangfu.people.selectors import caseload_counts


@login_required
def home(request):
    """Where the user works and how many people that covers; no names on this page."""
    user = request.user
    context = {
        "counts": caseload_counts(user=user) if may(user, Action.CASE_VIEW) else None,
        "is_admin": may(user, Action.ADMINISTER),
        "is_partner_only": may(user, Action.PERSON_VIEW) and not may(user, Action.CASE_VIEW),
    }
    return render(request, "web/home.html", context)
