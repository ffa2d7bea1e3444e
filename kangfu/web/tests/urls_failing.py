"""The site's URLs plus a page that fails, to see the 500 page (tests only)."""

from django.core.exceptions import SuspiciousOperation
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns


def failing(request):
    # What a careless exception could carry: a person's name and ID number.
    raise RuntimeError("张伟 520102199003070018 could not be saved")


urlpatterns = [path("failing/", failing, name="failing"), *site_urlpatterns]


def suspicious(request):
    # What Django raises for a malformed request (here: a forged multipart boundary).
    raise SuspiciousOperation("张伟 520102199003070018 bad boundary")


urlpatterns.insert(0, path("suspicious/", suspicious, name="suspicious"))
