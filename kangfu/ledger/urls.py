from django.urls import path

from kangfu.ledger import views

app_name = "ledger"
urlpatterns = [
    path("", views.import_page, name="import"),
    path("template.xlsx", views.import_template, name="import-template"),
    path("<uuid:public_id>/", views.import_run, name="import-run"),
    path("<uuid:public_id>/commit/", views.import_commit, name="import-commit"),
]
