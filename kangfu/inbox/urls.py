from django.urls import path

from kangfu.inbox import views

app_name = "inbox"
urlpatterns = [path("", views.inbox, name="inbox")]
