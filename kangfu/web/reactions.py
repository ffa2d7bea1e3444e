"""Who reacts to what: the one table (DESIGN.md "Reactions").

A lower app announces a fact (kangfu.core.events.publish); the handlers listed here run
synchronously, in this order, inside the announcing service's transaction, so a write and its
consequences commit or roll back together. Read it top to bottom; a test pins it
(kangfu/web/tests/test_reactions.py), so a change of flow is a visible diff.

The second table fills the slots: questions a lower app asks that only a higher one can
answer (who else may see a person; what the schedule holds).
"""

from __future__ import annotations

from kangfu.access.events import CredentialsChanged
from kangfu.api import reactions as api
from kangfu.cases import selectors as case_selectors
from kangfu.cases.events import (
    CaseSealed,
    FindingConfirmed,
    IdentityPurged,
    LeaveApproved,
    MeasureChanged,
    MeasuresChanged,
)
from kangfu.cases.selectors import (
    BOOKED_BETWEEN,
    CASELOAD_COLUMN_FILTER,
    CASELOAD_COLUMNS,
    TEST_FACTS,
)
from kangfu.cases.templatetags.cases import REFERRAL_EVENT_PARAMS
from kangfu.cases.views import CASE_SECTIONS
from kangfu.core import events
from kangfu.documents import views as documents
from kangfu.people.models import PARTNER_PERSONS, SEALED_PERSONS
from kangfu.people.selectors import (
    PARTNER_FIELDS_OF,
    PERSON_COLUMN_CHOICES,
    PERSON_COLUMN_FILTER,
    PERSON_COLUMNS,
)
from kangfu.portal import reactions as portal
from kangfu.referrals import selectors as referrals
from kangfu.referrals.choices import referral_event_params
from kangfu.reports import reactions as reports
from kangfu.risk import reactions as risk
from kangfu.risk.events import CategoryApproved
from kangfu.schedule import reactions as schedule
from kangfu.schedule import selectors as schedule_selectors
from kangfu.schedule.events import SweepCompleted
from kangfu.schedule.selectors import TODAY_SECTIONS
from kangfu.visits import reactions as visit_reactions
from kangfu.visits import selectors as visits
from kangfu.visits import views as visit_views

REACTIONS: dict[type[events.Event], tuple] = {
    # A measure starts, is suspended, resumes, ends, terminates or is refused:
    MeasureChanged: (
        schedule.replan_after_measure,  # redraw the tests and visits from the day it affects
        risk.mark_after_measure,  # started / ended / terminated: reassess (动态调整)
    ),
    # Many measures change at once (a batched service, the ledger import): the same, per set.
    MeasuresChanged: (
        schedule.replan_after_measures,
        risk.mark_after_measures,
    ),
    # Leave is approved: nothing falls due while the person is away.
    LeaveApproved: (schedule.replan_after_leave,),
    # A refusal, serious breach or relapse stands: evidence for H1, reassess at once.
    FindingConfirmed: (risk.mark_after_finding,),
    # An approved assessment changed the category: the plan follows the new rhythm.
    CategoryApproved: (schedule.replan_after_category,),
    # The last case is sealed: the person's portal closes; the person list's due figures
    # leave the sealed case out.
    CaseSealed: (portal.portal_off, schedule.summary_after_sealing),
    # A sealed case's identity data is purged: the free text of its visits goes with it.
    IdentityPurged: (visit_reactions.purge_notes,),
    # The daily sweep is done: the lists' due summaries move to the new day; the day's
    # statistics snapshot per township.
    SweepCompleted: (schedule.summary_after_sweep, reports.snapshot_after_sweep),
    # A password changed or was reset, or an account was switched off: its API tokens end.
    CredentialsChanged: (api.revoke_tokens,),
}

# The sections apps above cases draw on the case page, in page order.
CASE_PAGE_SECTIONS = (visit_views.case_section, documents.case_section)


def case_sections(request, case) -> tuple:
    return tuple(draw(request, case) for draw in CASE_PAGE_SECTIONS)


SLOTS = (
    (PARTNER_PERSONS, referrals.partner_person_condition),
    (PARTNER_FIELDS_OF, referrals.partner_fields),
    (SEALED_PERSONS, case_selectors.sealed_persons),
    (TEST_FACTS, schedule_selectors.test_facts),
    (BOOKED_BETWEEN, schedule_selectors.booked_between),
    (CASELOAD_COLUMNS, schedule_selectors.caseload_columns),
    (CASELOAD_COLUMN_FILTER, schedule_selectors.caseload_column_filter),
    (PERSON_COLUMNS, schedule_selectors.person_columns),
    (PERSON_COLUMN_FILTER, schedule_selectors.person_column_filter),
    (PERSON_COLUMN_CHOICES, schedule_selectors.person_column_choices),
    (REFERRAL_EVENT_PARAMS, referral_event_params),
    (CASE_SECTIONS, case_sections),
    (TODAY_SECTIONS, visits.today_sections),
)


def install() -> None:
    events.registry.install(REACTIONS)
    for slot, answer in SLOTS:
        slot.fill(answer)
