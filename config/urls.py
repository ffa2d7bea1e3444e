from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", include("kangfu.access.signin.urls")),
    path("admin/", admin.site.urls),
    path("people/", include("kangfu.people.urls")),
    path("", include("kangfu.core.urls")),
]
