from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from kangfu.api import pages as api_pages
from kangfu.web import health

urlpatterns = [
    # For load balancers and container healthchecks: no sign-in, no person data, no audit.
    path("healthz", health.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", include("kangfu.access.signin.urls")),
    path("account/tokens/", api_pages.token_list, name="api-tokens"),
    path("account/tokens/<int:pk>/revoke/", api_pages.token_revoke, name="api-token-revoke"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("kangfu.api.urls")),
    path("people/", include("kangfu.people.urls")),
    path("referrals/", include("kangfu.referrals.urls")),
    path("documents/", include("kangfu.documents.urls")),
    path("visits/", include("kangfu.visits.urls")),
    path("reports/", include("kangfu.reports.urls")),
    path("portal/", include("kangfu.portal.urls")),
    path("cases/", include("kangfu.cases.urls")),
    path("risk/", include("kangfu.risk.urls")),
    path("schedule/", include("kangfu.schedule.urls")),
    path("imports/", include("kangfu.ledger.urls")),
    path("exports/", include("kangfu.ledger.export_urls")),
    path("inbox/", include("kangfu.inbox.urls")),
    # The caseworker's morning page, at the address people will type.
    path("today/", RedirectView.as_view(pattern_name="schedule:today"), name="today"),
    path("", include("kangfu.web.urls")),
]
