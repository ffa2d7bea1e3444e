"""The figures of the statistics pages: their keys, labels and exact definitions.

One list, read by the snapshot (which columns exist), the dashboard (what to show, in which
group), the glossary, the exports and the upward package. ``persons`` marks counts of
persons, the counts small-cell suppression applies to; ``flow`` marks counts of events in
the period (month to date in a snapshot row), the others are stocks at the end of the day.
Every definition here is repeated, with the same words, in docs/reports.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Figure:
    key: str
    label: Promise
    definition: Promise
    group: str
    flow: bool = False
    persons: bool = True
    # Null in a snapshot when the figure cannot be worked out for that day (see definition).
    nullable: bool = False


@dataclass(frozen=True)
class Rate:
    key: str
    label: Promise
    definition: Promise
    numerator: str
    denominator: str
    group: str


GROUPS = {
    "people": _("Persons and measures"),
    "risk": _("Risk categories and reviews"),
    "tests": _("Reporting, agreements and tests"),
    "findings": _("Findings"),
    "defects": _("Defects to fix"),
    "transfers": _("Transfers"),
    "support": _("Support referrals"),
    "outcome": _("Three years without relapse"),
}

FIGURES: tuple[Figure, ...] = (
    Figure(
        "registered",
        _("Persons registered"),
        _("Persons with a case at the township that is open at the end of the day."),
        "people",
    ),
    Figure(
        "treatment",
        _("Under community drug treatment"),
        _(
            "Persons with a 社区戒毒 measure in force at the end of the day: started, last day "
            "not yet passed, not terminated, not suspended."
        ),
        "people",
    ),
    Figure(
        "recovery",
        _("Under community recovery"),
        _(
            "Persons with a 社区康复 measure in force at the end of the day: started, last day "
            "not yet passed, not terminated, not suspended."
        ),
        "people",
    ),
    Figure(
        "awaiting_report",
        _("Awaiting report"),
        _(
            "Persons whose decision has been received but who have not yet reported, and "
            "whose measure has not been found refused."
        ),
        "people",
    ),
    Figure(
        "suspended",
        _("Measure suspended"),
        _("Persons whose measure has started and is suspended by a detention that day."),
        "people",
    ),
    Figure(
        "external",
        _("In an external period"),
        _(
            "Persons away under another authority that day: detention, compulsory isolated "
            "drug treatment or prison (first day counted, day of release not)."
        ),
        "people",
    ),
    Figure(
        "risk_high",
        _("High risk"),
        _(
            "Registered persons whose last assessment approved by the end of the day put "
            "them in the high category."
        ),
        "risk",
    ),
    Figure(
        "risk_medium",
        _("Medium risk"),
        _(
            "Registered persons whose last assessment approved by the end of the day put "
            "them in the medium category."
        ),
        "risk",
    ),
    Figure(
        "risk_low",
        _("Low risk"),
        _(
            "Registered persons whose last assessment approved by the end of the day put "
            "them in the low category."
        ),
        "risk",
    ),
    Figure(
        "risk_none",
        _("Not yet assessed"),
        _("Registered persons with no assessment approved by the end of the day."),
        "risk",
    ),
    Figure(
        "reviews_due",
        _("Reviews due within 30 days"),
        _(
            "Registered persons whose next review (from their last approved assessment) "
            "falls on the day or within the 30 days after it."
        ),
        "risk",
    ),
    Figure(
        "reviews_overdue",
        _("Reviews overdue"),
        _(
            "Registered persons whose next review (from their last approved assessment) "
            "fell before the day."
        ),
        "risk",
    ),
    Figure(
        "downgrades_overdue",
        _("Downgrades overdue"),
        _(
            'Persons with an open "downgrade possible" reminder on the day that fell due '
            "before it. Known only for days snapshotted on the day itself (empty for months "
            "rebuilt from history)."
        ),
        "risk",
        nullable=True,
    ),
    Figure(
        "past_legal_end",
        _("Measures past their legal end"),
        _(
            "Measures still recorded as in force (not suspended) whose last day lies before the "
            "day. Must be 0: each one is a defect to fix at once."
        ),
        "defects",
    ),
    Figure(
        "report_due",
        _("Reports due"),
        _("Persons whose last day to report (15 days, holidays extending) fell in the period."),
        "tests",
        flow=True,
    ),
    Figure(
        "reported_on_time",
        _("Reported on time"),
        _("Of the persons whose reporting deadline fell in the period, those who reported by it."),
        "tests",
        flow=True,
    ),
    Figure(
        "agreements_signed",
        _("Agreements signed"),
        _("Persons who signed an agreement in the period."),
        "tests",
        flow=True,
    ),
    Figure(
        "tests_planned",
        _("Tests planned"),
        _(
            "Drug tests planned under a measure for a day in the period, not counting those "
            "excused for a good reason. Counts tests, not persons."
        ),
        "tests",
        flow=True,
        persons=False,
    ),
    Figure(
        "tests_done",
        _("Tests done"),
        _("Of the tests planned, those taken. Counts tests, not persons."),
        "tests",
        flow=True,
        persons=False,
    ),
    Figure(
        "positives",
        _("Positive results"),
        _(
            "Persons with a test taken in the period whose result that counts (re-test, else "
            "lab confirmation) is positive. A positive screen awaiting the lab is not counted."
        ),
        "findings",
        flow=True,
    ),
    Figure(
        "relapses",
        _("Confirmed relapses"),
        _(
            "Persons with a relapse finding (use during the measure)"
            " dated in the period and confirmed by an officer (a proposal does not count)."
        ),
        "findings",
        flow=True,
    ),
    Figure(
        "serious_breaches",
        _("Serious breaches"),
        _(
            "Persons with a serious-breach finding (戒毒条例 art. 20)"
            " dated in the period and confirmed by an officer (a proposal does not count)."
        ),
        "findings",
        flow=True,
    ),
    Figure(
        "refusals",
        _("Refusals"),
        _(
            "Persons with a refusal finding (did not report in time)"
            " dated in the period and confirmed by an officer (a proposal does not count)."
        ),
        "findings",
        flow=True,
    ),
    Figure(
        "transfers_in",
        _("Transfers in"),
        _("Cases accepted from another township in the period."),
        "transfers",
        flow=True,
    ),
    Figure(
        "transfers_out",
        _("Transfers out"),
        _("Cases accepted by another township from this one in the period."),
        "transfers",
        flow=True,
    ),
    Figure(
        "ref_treatment",
        _("Referred to treatment"),
        _("Referrals sent in the period to a drug-treatment or methadone clinic."),
        "support",
        flow=True,
    ),
    Figure(
        "ref_counselling",
        _("Referred to counselling"),
        _("Referrals sent in the period to psychological counselling."),
        "support",
        flow=True,
    ),
    Figure(
        "ref_training_jobs",
        _("Referred to training or jobs"),
        _("Referrals sent in the period to skills training or job placement."),
        "support",
        flow=True,
    ),
    Figure(
        "ref_assistance",
        _("Referred for assistance or schooling"),
        _("Referrals sent in the period for civil-affairs assistance or schooling."),
        "support",
        flow=True,
    ),
    Figure(
        "jobs_found",
        _("Jobs found"),
        _('Referrals whose outcome "employed" was recorded in the period.'),
        "support",
        flow=True,
    ),
    Figure(
        "assistance_granted",
        _("Assistance granted"),
        _('Referrals whose outcome "assistance granted" was recorded in the period.'),
        "support",
        flow=True,
    ),
    Figure(
        "treatment_started",
        _("Treatment started"),
        _("Referrals to a drug-treatment or methadone clinic whose service started in the period."),
        "support",
        flow=True,
    ),
    Figure(
        "three_year_due",
        _("Reached three years since the last measure"),
        _(
            "Persons whose last measure ended (or was found refused) so long ago that the "
            "pack's years without relapse (3 nationally) were completed in the period."
        ),
        "outcome",
        flow=True,
    ),
    Figure(
        "three_year_clean",
        _("Three years without relapse"),
        _(
            "Of those, persons with no relapse finding in that case and no later case: "
            "戒断三年未复吸."
        ),
        "outcome",
        flow=True,
    ),
)

RATES: tuple[Rate, ...] = (
    Rate(
        "report_rate",
        _("Reporting rate"),
        _("Reported on time ÷ reports due, in the period."),
        "reported_on_time",
        "report_due",
        "tests",
    ),
    Rate(
        "test_rate",
        _("Test completion rate"),
        _("Tests done ÷ tests planned, in the period."),
        "tests_done",
        "tests_planned",
        "tests",
    ),
    Rate(
        "clean_rate",
        _("Three-year rate"),
        _("Three years without relapse ÷ reached three years since the last measure."),
        "three_year_clean",
        "three_year_due",
        "outcome",
    ),
)

KEYS = tuple(f.key for f in FIGURES)
BY_KEY = {f.key: f for f in FIGURES}
STOCK_KEYS = tuple(f.key for f in FIGURES if not f.flow)
FLOW_KEYS = tuple(f.key for f in FIGURES if f.flow)
# Lines that add up: the risk categories of the registered persons.
ROW_LINES = (("registered", ("risk_high", "risk_medium", "risk_low", "risk_none")),)
