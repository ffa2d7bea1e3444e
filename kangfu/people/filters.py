"""The person list's filters, read once from a query string for the page, its Excel export
and the API alike (issue 17 item 2, issue 16 item 2): one form validates them, one dataclass
(``selectors.PersonSearch``) carries them to the one selector that filters and sorts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kangfu.access.permissions import Action, may
from kangfu.people import selectors
from kangfu.people.forms import PersonSearchForm

# The query-string names the person list understands.
FILTER_NAMES = (
    "q",
    "sex",
    "township",
    "mine",
    "measure",
    "measure_state",
    "category",
    "caseworker",
    "overdue",
    "sort",
)
# Case columns are case content: only case staff filter or sort by them.
CASE_FILTERS = ("measure", "measure_state", "category", "caseworker", "overdue", "sort")


@dataclass(frozen=True)
class PersonFilters:
    form: PersonSearchForm
    search: selectors.PersonSearch
    columns: dict  # the case columns' values and labels ({} for a partner)
    staff: bool

    @property
    def errors(self) -> dict[str, list[str]]:
        """Messages per field of the values that were not offered (empty when all were)."""
        return {name: list(errors) for name, errors in self.form.errors.items()}


def person_filters(params: Mapping | None, *, user, page: bool = True) -> PersonFilters:
    """The person list's filters from ``params`` (a QueryDict or a dict of strings). Values
    that are not offered leave the search at its default and are named in ``errors``. Off the page
    (the export, the API) only the choices a given filter needs are loaded."""
    staff = may(user, Action.CASE_VIEW)
    columns = selectors.PERSON_COLUMN_CHOICES() if staff else {}
    params = {k: params[k] for k in FILTER_NAMES if params and params.get(k) not in (None, "")}
    form = PersonSearchForm(
        params or None,
        townships=selectors.townships_for(user, Action.CASE_VIEW)
        if page or "township" in params
        else [],
        columns=columns,
        caseworkers=(selectors.caseworkers_for(user=user) if staff else ())
        if page or "caseworker" in params
        else (),
        sorts=selectors.PERSON_SORTS,
    )
    search = selectors.PersonSearch()
    if form.is_bound and form.is_valid():
        c = form.cleaned_data
        search = selectors.PersonSearch(
            query=c["q"],
            sex=c["sex"],
            township=c.get("township"),
            mine=c["mine"],
            # A partner never filters by the case columns, whatever the query string says.
            **({name: c[name] for name in CASE_FILTERS} if staff else {}),
        )
    return PersonFilters(form, search, columns, staff)
