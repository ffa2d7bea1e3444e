"""The caseload's filters, read once from a query string for the page, its Excel export and
the API alike (issue 17 item 2, issue 16 item 2): one form validates them, one dataclass
(``selectors.CaseloadQuery``) carries them to the one selector that filters and sorts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kangfu.access.permissions import Action, may
from kangfu.cases import forms, selectors
from kangfu.people.selectors import caseworkers_for, townships_for

# The query-string names the caseload understands (the page's own links carry them on).
FILTER_NAMES = (
    "mine",
    "measure",
    "measure_state",
    "category",
    "caseworker",
    "township",
    "overdue",
    "sort",
)


@dataclass(frozen=True)
class CaseloadFilters:
    form: forms.CaseloadForm
    query: selectors.CaseloadQuery

    @property
    def errors(self) -> dict[str, list[str]]:
        """Messages per field of the values that were not offered (empty when all were)."""
        return {name: list(errors) for name, errors in self.form.errors.items()}


def default_mine(user) -> bool:
    """A caseworker starts from their own caseload; everyone else from all they can see."""
    return may(user, Action.CASELOAD_HOLD)


def caseload_filters(params: Mapping | None, *, user, page: bool = True) -> CaseloadFilters:
    """The caseload's filters from ``params`` (a QueryDict or a dict of strings). Values
    that are not offered leave the query at its default and are named in ``errors``. Off the page
    (the export, the API) only the choices a given filter needs are loaded."""
    mine = "1" if default_mine(user) else "0"
    params = {k: params[k] for k in FILTER_NAMES if params and params.get(k) not in (None, "")}
    form = forms.CaseloadForm(
        params or None,
        townships=townships_for(user, Action.CASE_VIEW) if page or "township" in params else [],
        caseworkers=(caseworkers_for(user=user)) if page or "caseworker" in params else (),
        sorts=selectors.CASELOAD_SORTS,
    )
    query = selectors.CaseloadQuery(mine=mine == "1")
    if form.is_bound and form.is_valid():
        c = form.cleaned_data
        query = selectors.CaseloadQuery(
            mine=(c["mine"] or mine) == "1",
            measure=c["measure"],
            measure_state=c["measure_state"],
            category=c["category"],
            caseworker=c["caseworker"],
            township=c.get("township"),
            overdue=c["overdue"],
            sort=c["sort"],
        )
    return CaseloadFilters(form, query)
