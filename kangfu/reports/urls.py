from django.urls import path

from kangfu.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("glossary/", views.glossary, name="glossary"),
    path("received/", views.received, name="received"),
    path("received/<str:code>/", views.received, name="received-node"),
    path("<str:code>/", views.dashboard, name="dashboard"),
    path("<str:code>/report.<str:fmt>", views.report, name="report"),
]
