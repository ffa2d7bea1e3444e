"""API token scopes: read or write, per resource group."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# Resource groups a token can be scoped to; every API view names the group it belongs to.
GROUPS = {
    "jurisdictions": _("Jurisdictions"),
    "people": _("Persons"),
    "cases": _("Cases, measures, agreements, leave and transfers"),
    "assessments": _("Risk assessments"),
    "schedule": _("Appointments, visits, drug tests and reminders"),
    "audit": _("Audit events"),
    "inbox": _("Inbox: what waits on my decision"),
}
ACCESS = ("read", "write")


def all_scopes() -> list[str]:
    return [f"{group}:{access}" for group in GROUPS for access in ACCESS]


def scope_choices() -> list[tuple[str, str]]:
    labels = {"read": _("read"), "write": _("write")}
    return [
        (f"{group}:{access}", f"{label} · {labels[access]}")
        for group, label in GROUPS.items()
        for access in ACCESS
    ]
