from django.urls import path

from kangfu.access import views as access_views
from kangfu.people import views

app_name = "people"
urlpatterns = [
    path("", views.person_list, name="person-list"),
    path("new/", views.person_create, name="person-create"),
    path("emergency/", views.person_break_glass, name="person-break-glass"),
    # The access log of person records (views in kangfu.access).
    path("audit/", access_views.audit_list, name="audit-list"),
    path("audit/<int:seq>/review/", access_views.audit_review, name="audit-review"),
    path("<uuid:public_id>/", views.person_detail, name="person-detail"),
    path("<uuid:public_id>/edit/", views.person_edit, name="person-edit"),
    path("<uuid:public_id>/purpose/", views.person_purpose, name="person-purpose"),
    path(
        "<uuid:public_id>/access-record/",
        views.person_access_record,
        name="person-access-record",
    ),
    path(
        "<uuid:public_id>/disclosures/new/",
        views.disclosure_create,
        name="disclosure-create",
    ),
]
