"""Second factor (TOTP) enrolment and check, and the user's own account page."""

from __future__ import annotations

import base64
import io

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from kangfu.access.audit import AccessContext
from kangfu.access.permissions import grants_of
from kangfu.access.services import password_change, totp_confirm
from kangfu.access.signin.forms import TokenForm
from kangfu.access.signin.policy import second_factor_required


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/"


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    # As a data: URL in an <img>, so the page needs no inline SVG and CSP stays strict.
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@login_required
def second_factor(request):
    """Check the code of a confirmed device, or enrol the first device."""
    user = request.user
    if user.is_verified():
        return redirect(_next_url(request))
    confirmed = TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()
    form = TokenForm(request.POST or None)
    if confirmed:
        if request.method == "POST" and form.is_valid():
            device = match_token(user, form.cleaned_data["token"])
            if device is not None:
                otp_login(request, device)
                return redirect(_next_url(request))
            form.add_error("token", _("This code is wrong or has expired."))
        return render(
            request, "access/signin/verify.html", {"form": form, "next": _next_url(request)}
        )
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, confirmed=False, defaults={"name": "authenticator"}
    )
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            totp_confirm(ctx=AccessContext.from_request(request), device=device)
            otp_login(request, device)
            messages.success(request, _("Two-step sign-in is now on for your account."))
            return redirect(_next_url(request))
        form.add_error("token", _("This code is wrong or has expired."))
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(
        request,
        "access/signin/setup.html",
        {
            "form": form,
            "qr": _qr_svg(device.config_url),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "required": second_factor_required(user),
            "next": _next_url(request),
        },
    )


@login_required
def account(request):
    return render(
        request,
        "access/signin/account.html",
        {
            "grants": grants_of(request.user),
            "has_device": TOTPDevice.objects.devices_for_user(
                request.user, confirmed=True
            ).exists(),
            "required": second_factor_required(request.user),
        },
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    """The account holder's own password change, through the audited service."""

    def form_valid(self, form):
        password_change(ctx=AccessContext.from_request(self.request), form=form)
        update_session_auth_hash(self.request, form.user)
        return HttpResponseRedirect(self.get_success_url())
