from django.urls import path

from kangfu.schedule import views

app_name = "schedule"


def action(route: str, name: str):
    return path(route, views.act, {"action": name}, name=name)


urlpatterns = [
    path("today/", views.today, name="today"),
    path("case/<uuid:public_id>/", views.case_schedule, name="case"),
    action("case/<uuid:public_id>/consent/", "case-consent"),
    action("case/<uuid:public_id>/delegate/", "case-delegate"),
    action("appointment/<int:pk>/result/", "appointment-result"),
    action("appointment/<int:pk>/outcome/", "appointment-outcome"),
    action("test/<int:pk>/lab/", "test-lab"),
    action("test/<int:pk>/retest/", "test-retest"),
    action("test/<int:pk>/retest-result/", "test-retest-result"),
    path("delegated/", views.delegation_list, name="delegation-list"),
    path("delegated/<uuid:public_id>/", views.delegation_detail, name="delegation-detail"),
]
