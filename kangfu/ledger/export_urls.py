from django.urls import path

from kangfu.ledger import export_views

app_name = "exports"
urlpatterns = [
    path("people/", export_views.people_export, name="people"),
    path("caseload/", export_views.caseload_export, name="caseload"),
]
