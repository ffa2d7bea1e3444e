from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from kangfu.inbox import selectors


@login_required
def inbox(request):
    """What waits on the user's decision, by kind, oldest first; each row links to the page
    that acts on it. No person data is read here, so nothing to audit: the page opened next
    makes its own audited read."""
    on = timezone.localdate()
    groups = selectors.inbox_for(user=request.user, on=on)
    return render(request, "inbox/inbox.html", {"groups": groups, "on": on})
