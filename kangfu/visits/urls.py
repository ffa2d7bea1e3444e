from django.urls import path

from kangfu.visits import views

app_name = "visits"
urlpatterns = [
    path("follow-ups/", views.follow_up_list, name="follow-ups"),
    path("follow-ups/<int:pk>/done/", views.follow_up_done, name="follow-up-done"),
    path("case/<uuid:public_id>/", views.case_visit_list, name="case"),
    path("case/<uuid:public_id>/new/", views.visit_create, name="visit-create"),
    path("<uuid:public_id>/", views.visit_detail, name="visit-detail"),
    path("<uuid:public_id>/withdraw/", views.visit_withdraw, name="visit-withdraw"),
    path("<uuid:public_id>/follow-up/", views.follow_up_add, name="follow-up-add"),
]
