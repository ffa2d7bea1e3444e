from django.urls import path

from kangfu.portal import staff, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login, name="login"),
    path("login/code/", views.login_code, name="login-code"),
    path("logout/", views.logout, name="logout"),
    path("activate/", views.activate, name="activate"),
    path("schedule/", views.schedule, name="schedule"),
    path("category/", views.category, name="category"),
    path("category/review/", views.review_new, name="review-new"),
    path("documents/", views.documents, name="documents"),
    path("documents/agreement/<int:pk>.pdf", views.agreement_pdf_view, name="agreement-pdf"),
    path("documents/notice/<uuid:public_id>.pdf", views.notice_pdf_view, name="notice-pdf"),
    path("findings/", views.findings, name="findings"),
    path("findings/<int:pk>/explain/", views.finding_explain, name="finding-explain"),
    path("leave/", views.leave_list, name="leave"),
    path("leave/new/", views.leave_new, name="leave-new"),
    path("support/", views.support, name="support"),
    path("support/<uuid:public_id>/", views.referral, name="referral"),
    path("visits/", views.visits, name="visits"),
    path("record/", views.record, name="record"),
    path("account/", views.account, name="account"),
    path("account/two-step/", views.totp_setup, name="totp-setup"),
    path("account/two-step/off/", views.totp_disable, name="totp-disable"),
    # Staff pages (staff sign-in).
    path("staff/person/<uuid:public_id>/code/", staff.person_code, name="staff-code"),
    path("staff/person/<uuid:public_id>/off/", staff.person_access_off, name="staff-access-off"),
    path("staff/reviews/", staff.review_asks, name="staff-review-asks"),
    path(
        "staff/case/<uuid:public_id>/agreement/<int:pk>/code/",
        staff.agreement_with_code,
        name="staff-agreement-code",
    ),
    path(
        "staff/reviews/<int:pk>/register/", staff.review_ask_register, name="staff-review-register"
    ),
]
