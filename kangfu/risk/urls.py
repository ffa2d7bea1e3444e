from django.urls import path

from kangfu.risk import views

app_name = "risk"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("person/<uuid:person_id>/", views.person_page, name="person"),
    path("person/<uuid:person_id>/purpose/", views.purpose, name="purpose"),
    path("person/<uuid:person_id>/start/", views.start, name="assessment-start"),
    path("person/<uuid:person_id>/review/new/", views.review_create, name="review-create"),
    path("a/<uuid:public_id>/", views.assessment_detail, name="assessment"),
    path("a/<uuid:public_id>/edit/", views.assessment_edit, name="assessment-edit"),
    path("a/<uuid:public_id>/preview/", views.assessment_preview, name="assessment-preview"),
    path("a/<uuid:public_id>/decide/", views.assessment_decide, name="assessment-decide"),
    path("a/<uuid:public_id>/notice.pdf", views.notice_pdf_view, name="notice-pdf"),
    path("a/<uuid:public_id>/handover/", views.notice_handover_view, name="notice-handover"),
    path("review/<uuid:public_id>/answer/", views.review_answer, name="review-answer"),
    path("review/<uuid:public_id>/notify/", views.review_notify, name="review-notify"),
]
