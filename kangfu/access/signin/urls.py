from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from kangfu.access.signin import views

app_name = "access"
urlpatterns = [
    path("", views.account, name="account"),
    path("2fa/", views.second_factor, name="2fa"),
    path(
        "password/",
        views.PasswordChangeView.as_view(
            template_name="access/signin/password_change.html",
            success_url=reverse_lazy("access:password-done"),
        ),
        name="password-change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="access/signin/password_done.html"),
        name="password-done",
    ),
]
