from django.urls import path

from kangfu.cases import views

app_name = "cases"


def action(route: str, name: str):
    return path(route, views.case_action, {"action": name}, name=name)


urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("transfers/", views.transfer_list, name="transfer-list"),
    path("transfers/<uuid:public_id>/", views.transfer_detail, name="transfer-detail"),
    path("sealed/", views.sealed_list, name="sealed-list"),
    path("sealed/<uuid:public_id>/", views.sealed_detail, name="sealed-detail"),
    path("open/<uuid:person_id>/", views.case_open, name="case-open"),
    path("<uuid:public_id>/", views.case_detail, name="case-detail"),
    path(
        "<uuid:public_id>/agreements/<int:pk>/pdf/",
        views.agreement_pdf_view,
        name="agreement-pdf",
    ),
    action("<uuid:public_id>/decision/", "measure-decision"),
    action("<uuid:public_id>/report/", "measure-report"),
    action("<uuid:public_id>/refuse/", "measure-refuse"),
    action("<uuid:public_id>/suspend/", "measure-suspend"),
    action("<uuid:public_id>/resume/", "measure-resume"),
    action("<uuid:public_id>/terminate/", "measure-terminate"),
    action("<uuid:public_id>/end/", "measure-end"),
    action("<uuid:public_id>/agreements/new/", "agreement-create"),
    action("<uuid:public_id>/agreements/<int:pk>/sign/", "agreement-sign"),
    action("<uuid:public_id>/leave/new/", "leave-create"),
    action("<uuid:public_id>/leave/<int:pk>/decide/", "leave-decide"),
    action("<uuid:public_id>/absences/new/", "absence-create"),
    action("<uuid:public_id>/findings/<int:pk>/report/", "finding-report"),
    action("<uuid:public_id>/findings/<int:pk>/notice/", "finding-notice"),
    action("<uuid:public_id>/findings/<int:pk>/explain/", "finding-explain"),
    action("<uuid:public_id>/findings/<int:pk>/decide/", "finding-decide"),
    action("<uuid:public_id>/findings/<int:pk>/withdraw/", "finding-withdraw"),
    action("<uuid:public_id>/findings/<int:pk>/correction/", "finding-correction"),
    path(
        "<uuid:public_id>/findings/<int:pk>/notice.pdf",
        views.finding_notice_pdf_view,
        name="finding-notice-pdf",
    ),
    action("<uuid:public_id>/absences/<int:pk>/withdraw/", "absence-withdraw"),
    action("<uuid:public_id>/transfers/<int:pk>/report/", "transfer-report"),
    action("<uuid:public_id>/transfer/", "transfer-create"),
    action("<uuid:public_id>/close/", "case-close"),
    action("<uuid:public_id>/seal/", "case-seal"),
]
