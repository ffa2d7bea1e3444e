from django.urls import path

from kangfu.documents import views

app_name = "documents"

urlpatterns = [
    path("case/<uuid:case_id>/", views.case_documents, name="case-documents"),
    path("case/<uuid:case_id>/new/", views.document_upload, name="document-upload"),
    path("<uuid:public_id>/file/", views.document_file, name="document-file"),
    path("<uuid:public_id>/preview/", views.document_preview, name="document-preview"),
    path("<uuid:public_id>/withdraw/", views.document_withdraw, name="document-withdraw"),
]
