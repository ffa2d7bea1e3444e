from django.urls import path

from kangfu.people import views

app_name = "people"
urlpatterns = [
    path("", views.person_list, name="person-list"),
    path("new/", views.person_create, name="person-create"),
    path("<uuid:public_id>/", views.person_detail, name="person-detail"),
    path("<uuid:public_id>/edit/", views.person_edit, name="person-edit"),
]
