from django.urls import path

from kangfu.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("glossary/", views.glossary, name="glossary"),
    path("<str:code>/", views.dashboard, name="dashboard"),
    path("<str:code>/report.<str:fmt>", views.report, name="report"),
]
