"""Error views Django does not render with the product's layout by itself.

403, 404 and 500 are Django's own handlers with our templates (403.html, 404.html, 500.html
in kangfu/web/templates). The CSRF failure gets a view so the page has the usual chrome
(Django's default renders 403_csrf.html without the request).
"""

from __future__ import annotations

from django.shortcuts import render


def csrf_failure(request, reason: str = ""):
    # `reason` is Django's English diagnosis; it stays out of the page (and the logs have it).
    response = render(request, "403_csrf.html", status=403)
    # htmx shows no error page: static/js/kangfu.js reads this to say the form expired.
    response["X-Kangfu-Error"] = "csrf"
    return response
