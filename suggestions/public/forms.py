"""Forms of the citizen's pages: the suggestion form behind a QR code and the tracking-code lookup.

Attachments are checked by :class:`core.files.AttachmentsField`, by their bytes, never by their names.
"""

from __future__ import annotations

import re
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from core.files import ACCEPT, AttachmentsField, MultipleFileInput
from core.forms import MarkedBoundField
from core.sms import normalize_phone
from suggestions.forms import MOBILE_RE, PhoneLast4Field
from suggestions.selectors import active_categories

TITLE_LENGTH = 30

def derive_title(content: str) -> str:
    """The citizen types no title: the first words of what they wrote stand for it in lists."""
    text = " ".join(content.split())
    if len(text) <= TITLE_LENGTH:
        return text
    return text[:TITLE_LENGTH].rstrip() + "…"


class SharedFields(dict):
    """Declared fields that every instance of a form uses as they are, instead of deep copies.

    ``BaseForm.__init__`` deep-copies the declared fields for each instance so that
    one instance may change its fields; on the citizen's form that copy was the
    largest single cost of a submission. The form never changes a field (the
    error mark is added while rendering, by :class:`MarkedBoundField`), so each
    instance gets its own dict of the same field objects. A form that needs to
    change a field per instance must copy that field first.
    """

    def __deepcopy__(self, memo):
        return dict(self)


class PublicSuggestionForm(forms.Form):
    """What a citizen fills in after scanning a station's or a representative's QR code.

    Its fields are shared between instances (see :class:`SharedFields`).
    """

    bound_field_class = MarkedBoundField

    category = forms.ModelChoiceField(
        label=_("Category"),
        # Built once and shared by every form (see SharedFields): the choices iterate it afresh, so the list
        # is read from the database each time it is shown, and never when the citizen chose no category.
        queryset=active_categories(),
        required=False,
        empty_label=_("Not sure"),
        widget=forms.Select(attrs={"class": "form-select form-select-lg"}),
    )
    content = forms.CharField(
        label=_("What happened, and what do you ask for?"),
        min_length=10,
        max_length=2000,
        error_messages={
            "required": _("Tell us what happened and what you ask for."),
            "min_length": _("Please describe it in at least %(limit_value)d characters."),
            "max_length": _("Please keep it under %(limit_value)d characters; attach a PDF for more."),
        },
        widget=forms.Textarea(
            attrs={
                "class": "form-control form-control-lg",
                "rows": 6,
                "maxlength": 2000,
                "placeholder": _(
                    "For example: the street lamps on Renmin Road have been out for two weeks; "
                    "please have them repaired."
                ),
            }
        ),
    )
    location = forms.CharField(
        label=_("Where (optional)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(
            attrs={"class": "form-control form-control-lg", "placeholder": _("Street, village or building")}
        ),
    )
    attachments = AttachmentsField(
        label=_("Photos or PDF (optional)"),
        required=False,
        widget=MultipleFileInput(attrs={"class": "form-control form-control-lg", "accept": ACCEPT}),
    )
    is_enterprise = forms.BooleanField(
        label=_("I am raising this for an enterprise"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    enterprise_name = forms.CharField(
        label=_("Enterprise name"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control form-control-lg", "autocomplete": "organization"}),
    )
    submitter_name = forms.CharField(
        label=_("Your name"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control form-control-lg", "autocomplete": "name"}),
    )
    submitter_phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        required=False,
        widget=forms.TextInput(
            attrs={
                "class": "form-control form-control-lg",
                "type": "tel",
                "inputmode": "numeric",
                "autocomplete": "tel-national",
                "placeholder": "138 0000 0000",
            }
        ),
    )
    consent = forms.BooleanField(
        label=_("I agree that the station's staff use my name and number only to contact me about this suggestion."),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    idempotency_key = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_submitter_phone(self):
        phone = normalize_phone(self.cleaned_data["submitter_phone"])
        if phone:
            RegexValidator(
                MOBILE_RE, _("Enter an 11-digit mainland mobile number, such as 13800000000."), code="phone"
            )(phone)
        return phone

    def clean_idempotency_key(self):
        # A missing or mangled key must not block a citizen: a fresh one only loses double-click protection.
        value = self.cleaned_data["idempotency_key"]
        try:
            return str(uuid.UUID(value))
        except (TypeError, ValueError):
            return str(uuid.uuid4())

    def clean(self):
        data = super().clean()
        if data.get("is_enterprise"):
            if not (data.get("enterprise_name") or "").strip() and "enterprise_name" not in self.errors:
                self.add_error("enterprise_name", _("Give the enterprise's name."))
        else:
            data["enterprise_name"] = ""
        gives_contact = bool((data.get("submitter_name") or "").strip() or data.get("submitter_phone"))
        if gives_contact and not data.get("consent"):
            self.add_error("consent", _("Tick the box to agree, or leave name and number empty to stay anonymous."))
        return data

    @property
    def gives_contact(self) -> bool:
        """Should the contact section render open (something typed there, or an error in it)?"""
        fields = ("submitter_name", "submitter_phone", "consent")
        if any(field in self.errors for field in fields):
            return True
        return bool(self.is_bound and any((self.data.get(self.add_prefix(f)) or "").strip() for f in fields[:2]))


PublicSuggestionForm.base_fields = SharedFields(PublicSuggestionForm.base_fields)


class TrackLookupForm(forms.Form):
    code = forms.CharField(
        label=_("Tracking code"),
        max_length=40,
        widget=forms.TextInput(
            attrs={
                "class": "form-control form-control-lg text-uppercase font-monospace",
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "placeholder": "ABCD EFGH JKMN",
            }
        ),
    )

    def clean_code(self):
        # Codes are often copied with spaces or dashes between groups of four.
        code = re.sub(r"[\s\-]", "", self.cleaned_data["code"]).upper()
        if not re.fullmatch(r"[A-Z0-9]{4,16}", code):
            raise ValidationError(_("Enter the code as you received it: 12 letters and digits."), code="format")
        return code


class WithdrawContactForm(forms.Form):
    """The submitter asks for their name and number to be removed: the phone's last four digits prove who they are.

    ``confirm`` is set by the confirmation step, which carries the digits on.
    """

    phone_last4 = PhoneLast4Field()
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, needs_phone: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not needs_phone:
            del self.fields["phone_last4"]
