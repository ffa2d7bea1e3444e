import pytest

from kangfu.referrals.tests.helpers import civil_affairs, provider


@pytest.fixture
def civil_provider(personas, tree):
    """The county's civil-affairs bureau, in the directory and receiving referrals in Kangfu."""
    return provider(tree.county, department=civil_affairs(personas))
