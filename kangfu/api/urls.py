from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from kangfu.api import views

router = SimpleRouter(trailing_slash=True)
router.register("jurisdictions", views.JurisdictionViewSet, basename="jurisdiction")
router.register("persons", views.PersonViewSet, basename="person")

app_name = "api"
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("", include(router.urls)),
    # Anything else under /api/v1/ answers 404 as a problem document, not an HTML page.
    re_path(r"^[\s\S]*$", views.not_found, name="not-found"),
]
