"""How the portal reacts to facts of lower apps (listed in kangfu.web.reactions)."""

from __future__ import annotations

from django.utils import timezone

from kangfu.cases.choices import CaseState
from kangfu.cases.events import CaseSealed
from kangfu.portal.models import PortalAccount


def portal_off(event: CaseSealed) -> None:
    """A sealed record is out of dynamic control: the person's portal closes with it (no
    schedule or category is left to show, and a sealed record is shown to no one)."""
    person = event.case.person
    if not person.cases.exclude(state=CaseState.SEALED).exists():
        PortalAccount.objects.filter(person=person, disabled_at__isnull=True).update(
            disabled_at=timezone.now()
        )
