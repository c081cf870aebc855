from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core import qr

from . import passwords, permissions, second_factor
from .forms import EnrolmentTokenForm, TokenForm


def _next_url(request, default: str = "home") -> str:
    """Where to go once this step is done: the ``next`` the hold was given, if it is on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse(default)


def profile(request):
    """The signed-in user's account, the roles it holds and its two-step verification."""
    user = request.user
    enrolled = second_factor.is_enrolled(user)
    return render(
        request,
        "accounts/profile.html",
        {
            "roles": permissions.roles(user),
            "staff_stations": user.staff_stations.select_related("region").order_by("name"),
            "committee_regions": user.committee_regions.order_by("path"),
            "units": user.handling_units.select_related("region").order_by("name"),
            "may_use_second_factor": permissions.may_use_second_factor(user),
            "second_factor_required": permissions.second_factor_required(user),
            "enrolled": enrolled,
            "backup_codes_left": second_factor.backup_codes_left(user) if enrolled else 0,
        },
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's page, which keeps this session and ends the others; it also serves the forced change."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")

    def get_success_url(self):
        if self.request.POST.get("next"):
            return _next_url(self.request)
        return super().get_success_url()

    def form_valid(self, form):
        response = super().form_valid(form)
        if self.request.POST.get("next"):
            messages.success(self.request, _("Your password was changed."))
        return response

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "reason": passwords.change_due(self.request.user),
            "max_age_days": settings.PASSWORD_MAX_AGE_DAYS,
            "next": self.request.POST.get("next") or self.request.GET.get("next", ""),
        }


# Two-step verification -----------------------------------------------------------------------


@never_cache
def otp_verify(request):
    """The log-in's second step: a code from the authenticator app or a backup code."""
    user = request.user
    if user.is_verified():
        return redirect(_next_url(request))
    if not second_factor.is_enrolled(user):
        # The security admin reset the device since this session began.
        request.session[second_factor.ENROLLED_SESSION_KEY] = False
        if permissions.second_factor_required(user):
            return redirect(f"{reverse('accounts:otp_enrol')}?{request.GET.urlencode()}")
        return redirect(_next_url(request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = second_factor.verify(request=request, token=form.cleaned_data["token"])
        if result.device:
            return redirect(_next_url(request))
        if result.throttled:
            form.add_error(
                "token",
                _("Too many wrong codes. Wait %(seconds)d seconds, then try again.") % {"seconds": result.wait_seconds},
            )
        else:
            form.add_error("token", _("This code is wrong or has expired. Enter the code the app shows now."))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _next_url(request)})


@never_cache
def otp_enrol(request):
    """Set up the authenticator app: scan the QR code (or type the key), confirm with a code."""
    user = request.user
    if not permissions.may_use_second_factor(user):
        raise PermissionDenied(_("Two-step verification is for administrators and committee admins."))
    if second_factor.is_enrolled(user) and not user.is_verified():
        # Whoever has only the password cannot put their own phone in place of the owner's.
        return redirect(f"{reverse('accounts:otp_verify')}?{request.GET.urlencode()}")
    device = second_factor.enrolment_device(user)
    form = EnrolmentTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = second_factor.enrolment_confirm(request=request, token=form.cleaned_data["token"])
        if codes is not None:
            return render(
                request, "accounts/otp_backup_codes.html", {"codes": codes, "next": _next_url(request), "new": True}
            )
        form.add_error(
            "token", _("This code does not match. Check the phone's time and enter the code the app shows now.")
        )
    return render(
        request,
        "accounts/otp_enrol.html",
        {
            "form": form,
            "qr_svg": qr.inline_svg(device.config_url, scale=5, border=2),
            "config_url": device.config_url,
            "manual_key": second_factor.manual_key(device),
            "issuer": settings.OTP_TOTP_ISSUER,
            "required": permissions.second_factor_required(user),
            "replacing": second_factor.is_enrolled(user),
            "next": request.GET.get("next", ""),
        },
    )


@never_cache
@require_POST
def otp_backup_codes(request):
    codes = second_factor.backup_codes_regenerate(request=request)
    return render(request, "accounts/otp_backup_codes.html", {"codes": codes, "next": reverse("accounts:profile")})


@require_POST
def otp_disable(request):
    second_factor.second_factor_disable(request=request)
    messages.success(request, _("Two-step verification is off."))
    return redirect("accounts:profile")
