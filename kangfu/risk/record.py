"""What the case record already says about the facts of an assessment.

This module is the only place the risk app reads the cases app's tables (measures, findings,
periods away), so a change there touches one function here. It is read-only and returns
plain values; the assessment stores them as facts marked "from the record", with a structured
reference (``kind`` and ``params``) that the pages turn into a sentence in the reader's
language.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from kangfu.cases.choices import LIVE_STATES, ExternalKind, FindingKind, MeasureKind
from kangfu.cases.models import Case, ExternalPeriod, Finding, Measure

# Which facts make each criterion hold (kangfu/policy/classify.py decides; this is the map
# the form and the evidence check need).
CRITERION_FACTS: dict[str, tuple[str, ...]] = {
    "H1": ("refuses_or_serious_breach",),
    "H2": ("cannot_be_held",),
    "H3": ("mental_disorder",),
    "H4": ("incident_or_threat",),
    "H5": ("other_high_reason",),
    "M1": ("active_measure",),
    "M2": ("pregnant_or_nursing",),
    "M3": ("medical_leave_from_isolation",),
    "M4": ("community_corrections", "released_from_prison_on"),
    "M5": ("released_from_isolation_on", "community_recovery_ordered"),
    "M6": ("other_medium_reason",),
}
# Facts only the record can establish: the assessor never types them in.
RECORD_ONLY = frozenset({"active_measure"})
# A measure in these states is one the person is "currently in" (M1); a suspension pauses
# the term but the person is still under the measure.
# M1 holds under a live measure, the one awaiting the report included: the decision orders
# it, and nobody under it is ever low (cases.selectors.category_of, risk.category_import).
CURRENT_STATES = LIVE_STATES


@dataclass
class RecordFacts:
    case: Case | None
    values: dict[str, Any] = field(default_factory=dict)
    # criterion code -> [{"kind": ..., "params": {...}}, ...]
    refs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def fields(self) -> list[str]:
        return sorted(self.values)

    def _ref(self, code: str, ref: str, **params: Any) -> None:
        clean = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in params.items()}
        self.refs.setdefault(code, []).append({"kind": ref, "params": clean})


def current_case(person) -> Case | None:
    """The person's open case, else their latest one that is not sealed."""
    cases = Case.objects.filter(person=person).exclude(state="sealed").order_by("-opened_on", "-id")
    return cases.filter(state="open").first() or cases.first()


def record_facts(person, as_of: dt.date) -> RecordFacts:
    """The facts the case record establishes for ``person`` on ``as_of``."""
    out = RecordFacts(case=current_case(person))
    measures = list(Measure.objects.filter(person=person).order_by("-decided_on", "-id"))
    current = next((m for m in measures if m.state in CURRENT_STATES), None)
    # M1 is always the record's to say: no measure on record means it does not hold.
    out.values["active_measure"] = current.kind if current else None
    if current is not None:
        out._ref(
            "M1",
            "measure",
            measure=current.kind,
            number=current.decision_number,
            authority=current.deciding_authority,
            starts_on=current.starts_on,
            ends_on=current.ends_on,
            state=current.state,
        )
    latest = measures[0] if measures else None
    if latest is not None:
        findings = list(
            Finding.objects.filter(
                measure=latest,
                kind__in=[FindingKind.REFUSAL, FindingKind.SERIOUS_BREACH],
                # Only an officer's confirmed finding is evidence for H1.
                state="confirmed",
            )
        )
        if findings:
            out.values["refuses_or_serious_breach"] = True
            for finding in findings:
                out._ref(
                    "H1",
                    "finding",
                    finding=finding.kind,
                    found_on=finding.found_on,
                    grounds=finding.grounds,
                )
    periods = ExternalPeriod.objects.filter(
        case__person=person,
        kind__in=[ExternalKind.PRISON, ExternalKind.COMPULSORY_ISOLATION],
        ends_on__isnull=False,
        ends_on__lte=as_of,
    ).order_by("-ends_on", "-id")
    prison = next((p for p in periods if p.kind == ExternalKind.PRISON), None)
    isolation = next((p for p in periods if p.kind == ExternalKind.COMPULSORY_ISOLATION), None)
    if prison is not None:
        out.values["released_from_prison_on"] = prison.ends_on.isoformat()
        out._ref("M4", "release", external=prison.kind, released_on=prison.ends_on)
    if isolation is not None:
        out.values["released_from_isolation_on"] = isolation.ends_on.isoformat()
        ordered = any(
            m.kind == MeasureKind.COMMUNITY_RECOVERY and m.decided_on >= isolation.starts_on
            for m in measures
        )
        out.values["community_recovery_ordered"] = ordered
        out._ref(
            "M5",
            "release",
            external=isolation.kind,
            released_on=isolation.ends_on,
            recovery_ordered=ordered,
        )
    return out
