from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from kangfu.api import views

router = SimpleRouter(trailing_slash=True)
router.register("jurisdictions", views.JurisdictionViewSet, basename="jurisdiction")
router.register("persons", views.PersonViewSet, basename="person")
router.register("cases", views.CaseViewSet, basename="case")
router.register("leave-requests", views.LeaveRequestViewSet, basename="leave-request")
router.register("transfers", views.TransferViewSet, basename="transfer")
router.register("audit-events", views.AuditEventViewSet, basename="audit-event")
router.register("assessments", views.AssessmentViewSet, basename="assessment")
router.register("appointments", views.AppointmentViewSet, basename="appointment")
router.register("drug-tests", views.DrugTestViewSet, basename="drug-test")
router.register("reminders", views.ReminderViewSet, basename="reminder")
router.register("visits", views.VisitViewSet, basename="visit")
router.register("inbox", views.InboxViewSet, basename="inbox")

case_child = r"cases/(?P<case_id>[0-9a-f-]{36})"

app_name = "api"
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("", include(router.urls)),
    re_path(
        rf"^{case_child}/measures/$",
        views.MeasureViewSet.as_view({"get": "list", "post": "create"}),
        name="case-measures",
    ),
    re_path(
        rf"^{case_child}/agreements/$",
        views.AgreementViewSet.as_view({"get": "list"}),
        name="case-agreements",
    ),
    re_path(
        rf"^{case_child}/documents/$",
        views.DocumentViewSet.as_view({"get": "list", "post": "create"}),
        name="case-documents",
    ),
    re_path(
        r"^documents/(?P<id>[0-9a-f-]{36})/file/$",
        views.DocumentFileView.as_view(),
        name="document-file",
    ),
    # Anything else under /api/v1/ answers 404 as a problem document, not an HTML page.
    re_path(r"^[\s\S]*$", views.not_found, name="not-found"),
]
