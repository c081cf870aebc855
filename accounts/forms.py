"""Forms of the account pages and of the accounts in the Django admin."""

from django import forms
from django.contrib.auth.forms import AdminPasswordChangeForm, AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from . import permissions
from .models import User


class TokenForm(forms.Form):
    """A six-digit code from the authenticator app (or, at log-in, a backup code)."""

    token = forms.CharField(
        label=_("Verification code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false", "autocapitalize": "off"}
        ),
    )


class EnrolmentTokenForm(TokenForm):
    token = forms.CharField(
        label=_("Code shown in the app"),
        max_length=10,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": r"[0-9 ]*", "autofocus": True}
        ),
    )


# The Django admin ---------------------------------------------------------------------------


class AccountCreationForm(AdminUserCreationForm):
    """An account an administrator creates: its owner chooses their own password at the first log-in."""

    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username",)

    def save(self, commit=True):
        user = super().save(commit=False)
        user.must_change_password = user.has_usable_password()
        if commit:
            user.save()
            self.save_m2m()
        return user


class AccountPasswordForm(AdminPasswordChangeForm):
    """A password an administrator sets for someone else is known to two people: the owner replaces it."""

    def save(self, commit=True):
        user = super().save(commit=False)
        user.must_change_password = user.has_usable_password()
        if commit:
            user.save()
        return user


class AccountChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User

    def clean(self):
        cleaned = super().clean()
        duty = cleaned.get("admin_duty", self.instance.admin_duty)
        is_superuser = cleaned.get("is_superuser", self.instance.is_superuser)
        refusal = permissions.duty_refusal(self.instance, duty, is_superuser=is_superuser)
        if refusal:
            self.add_error("admin_duty" if "admin_duty" in self.fields else None, refusal)
        return cleaned
