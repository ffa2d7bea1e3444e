from django.urls import path

from kangfu.referrals import views

app_name = "referrals"
urlpatterns = [
    path("", views.referral_list, name="referral-list"),
    path("services/", views.provider_list, name="provider-list"),
    path("services/new/", views.provider_create, name="provider-create"),
    path("services/<int:pk>/", views.provider_detail, name="provider-detail"),
    path("services/<int:pk>/edit/", views.provider_edit, name="provider-edit"),
    path("new/<uuid:case_id>/", views.referral_create, name="referral-create"),
    path("<uuid:public_id>/", views.referral_detail, name="referral-detail"),
]
urlpatterns += [
    path(f"<uuid:public_id>/{step}/", views.referral_step, {"step": step}, name=f"referral-{step}")
    for step in views.STEPS
]
