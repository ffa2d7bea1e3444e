"""The site's URLs plus a page that fails, to see the 500 page (tests only)."""

from django.urls import path

from config.urls import urlpatterns as site_urlpatterns


def failing(request):
    # What a careless exception could carry: a person's name and ID number.
    raise RuntimeError("张伟 520102199003070018 could not be saved")


urlpatterns = [path("failing/", failing, name="failing"), *site_urlpatterns]
