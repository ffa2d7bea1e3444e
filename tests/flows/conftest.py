"""Fixtures the flow tests borrow from the apps' own tests."""

from kangfu.access.tests.test_admin_backdoor import admins  # noqa: F401
from kangfu.cases.tests.conftest import records_officer  # noqa: F401
from kangfu.cases.tests.test_agreement import measure  # noqa: F401
from kangfu.risk.tests.test_services import person  # noqa: F401


def row(body: str, kind: str) -> str:
    """The today page's table row of a reminder kind, or "" when there is none."""
    start = body.find(f'data-kind="{kind}"')
    return "" if start < 0 else body[start : body.find("</tr>", start)]
