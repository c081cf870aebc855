"""Forms of the closed loop's pages: one per action, and the citizen's rating.

Choices come in as already fetched lists, so building and validating a form
costs no query of its own. :func:`action_form` builds the form of an action for
a suggestion (and, for unit steps and extension decisions, for one assignment or
request), with element ids that stay unique when a page shows several.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.files import ACCEPT, inspect_upload
from core.forms import DATE_WIDGET, BootstrapMixin
from suggestions.forms import PhoneLast4Field
from suggestions.loop import selectors as loop_selectors
from suggestions.models import Rating, Reply, Urgency
from suggestions.selectors import active_categories
from suggestions.workflow import ACTIONS, LABELS, Action


def _text(rows=3, **attrs):
    return forms.Textarea(attrs={"rows": rows, **attrs})


class LoopForm(BootstrapMixin, forms.Form):
    """The form of one step of the loop (see ``workflow.ACTIONS``).

    ``prepare`` gives what the form needs for an item (choices, starting values),
    ``service_kwargs`` turns what was typed into the keywords of the step's
    service, and ``done_message`` says what happened.
    """

    done = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style_widgets()

    @classmethod
    def prepare(cls, suggestion, target) -> tuple[dict, dict]:
        """(keyword arguments of the form, initial values) for ``suggestion`` and its ``target``."""
        return {}, {}

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)

    def done_message(self, result) -> str:
        return str(self.done)


class ObjectChoiceField(forms.TypedChoiceField):
    """A select over an already fetched list; cleans to the object itself."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("coerce", int)
        super().__init__(*args, **kwargs)
        self.objects: dict[int, object] = {}

    def set_objects(self, objects, label=str):
        self.objects = {o.pk: o for o in objects}
        # Always a blank first: a required choice is made on purpose, never by leaving the first option.
        self.choices = [("", "—")] + [(o.pk, label(o)) for o in objects]

    def clean(self, value):
        pk = super().clean(value)
        return self.objects.get(pk) if pk not in (None, "") else None


class ObjectMultipleChoiceField(forms.TypedMultipleChoiceField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("coerce", int)
        super().__init__(*args, **kwargs)
        self.objects: dict[int, object] = {}

    def set_objects(self, objects, label=str):
        self.objects = {o.pk: o for o in objects}
        self.choices = [(o.pk, label(o)) for o in objects]

    def clean(self, value):
        return [self.objects[pk] for pk in super().clean(value)]


# Steps on the whole item ---------------------------------------------------------------------


class HandToRepresentativeForm(LoopForm):
    representative = ObjectChoiceField(label=_("Representative who assesses it"))
    category = ObjectChoiceField(label=_("Category"), required=False)
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        choices=Urgency.choices,
        required=False,
        help_text=_("Urgent items get the shorter deadlines of the urgent policy."),
    )
    note = forms.CharField(label=_("Note for the representative"), required=False, widget=_text(2))

    def __init__(self, *args, representatives=(), categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["representative"].set_objects(representatives)
        self.fields["category"].set_objects(categories)

    @classmethod
    def prepare(cls, suggestion, target):
        representatives = loop_selectors.representative_choices(suggestion)
        initial = {"category": suggestion.category_id}
        default = loop_selectors.default_assessor_among(suggestion, representatives)
        if default is not None:
            initial["representative"] = default.pk
        return {"representatives": representatives, "categories": list(active_categories())}, initial

    def service_kwargs(self):
        data = self.cleaned_data
        return {**data, "urgency": data.get("urgency") or None}

    def done_message(self, result):
        return _("Handed to representative %(name)s.") % {"name": self.cleaned_data["representative"].name}


class AnswerForm(LoopForm):
    answer = forms.CharField(label=_("Answer the citizen will read"), widget=_text(4), max_length=2000)
    done = _("The answer has been released to the citizen.")


class ReleaseForm(AnswerForm):
    @classmethod
    def prepare(cls, suggestion, target):
        return {}, {"answer": loop_selectors.lead_reply_text(suggestion)}


class DeclineForm(LoopForm):
    reason = forms.CharField(label=_("Reason the citizen will read"), widget=_text(3), max_length=2000)
    done = _("Declined; the reason has been sent to the citizen.")


class HandBackForm(LoopForm):
    note = forms.CharField(label=_("Note"), widget=_text(2), max_length=2000)
    done = _("Handed back to the station staff.")


class ProposalForm(LoopForm):
    note = forms.CharField(label=_("Note"), widget=_text(2), max_length=2000, required=False)
    done = _("Marked for a formal proposal.")


class AssignForm(LoopForm):
    lead_unit = ObjectChoiceField(label=_("Lead unit (主办)"))
    co_units = ObjectMultipleChoiceField(
        label=_("Co-units (协办)"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
        help_text=_("Hold Ctrl (⌘ on a Mac) to choose several."),
    )
    instructions = forms.CharField(label=_("Instructions"), required=False, widget=_text(3), max_length=2000)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)

        def label(unit):
            return f"{unit.name}（{unit.region.name}）"

        self.fields["lead_unit"].set_objects(units, label)
        self.fields["co_units"].set_objects(units, label)

    @classmethod
    def prepare(cls, suggestion, target):
        return {"units": loop_selectors.unit_choices(suggestion)}, {}

    def done_message(self, result):
        units = [self.cleaned_data["lead_unit"], *self.cleaned_data["co_units"]]
        return _("Assigned to %(units)s.") % {"units": "、".join(u.name for u in units)}

    def clean(self):
        data = super().clean()
        lead = data.get("lead_unit")
        if lead is not None:
            data["co_units"] = [u for u in data.get("co_units", []) if u.pk != lead.pk]
        return data


class FlagForm(LoopForm):
    flagged = forms.TypedChoiceField(
        choices=[("1", "1"), ("0", "0")], coerce=lambda v: v == "1", widget=forms.HiddenInput
    )
    note = forms.CharField(label=_("Note"), required=False, widget=_text(2), max_length=2000)

    @classmethod
    def prepare(cls, suggestion, target):
        return {}, {"flagged": "0" if suggestion.flagged else "1"}

    def done_message(self, result):
        if self.cleaned_data["flagged"]:
            return _("Flagged for supervision (挂牌督办).")
        return _("The flag has been removed.")


# Steps on one assignment ---------------------------------------------------------------------


class AssignmentForm(LoopForm):
    """A unit's step on one assignment, named by a hidden field; the view finds it among the item's own."""

    assignment = forms.IntegerField(widget=forms.HiddenInput)

    @classmethod
    def prepare(cls, suggestion, target):
        return {}, {"assignment": target.pk} if target is not None else {}

    def service_kwargs(self):
        return {name: value for name, value in self.cleaned_data.items() if name != "assignment"}


class AcceptForm(AssignmentForm):
    done = _("You accepted the assignment and are its responsible person.")


class AssignmentReasonForm(AssignmentForm):
    reason = forms.CharField(label=_("Why it is misrouted"), widget=_text(2), max_length=2000)
    done = _("The assignment has been returned.")


class ReplyForm(AssignmentForm):
    LEAD_RESULTS = [
        (Reply.Result.SOLVED, Reply.Result.SOLVED.label),
        (Reply.Result.PARTLY, Reply.Result.PARTLY.label),
        (Reply.Result.EXPLAINED, Reply.Result.EXPLAINED.label),
    ]
    result = forms.ChoiceField(label=_("Result"), choices=LEAD_RESULTS, widget=forms.RadioSelect)
    text = forms.CharField(label=_("Reply"), widget=_text(5), max_length=5000)
    file = forms.FileField(
        label=_("Document (photo or PDF)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )

    done = _("Your reply has been sent; the representative reviews it and releases the answer.")

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if not upload:
            return None
        checked = inspect_upload(upload)
        checked.content.name = checked.name
        return checked.content


class OpinionForm(AssignmentForm):
    text = forms.CharField(label=_("Opinion of the co-unit"), widget=_text(4), max_length=5000)
    done = _("Your opinion has been sent to the lead unit and the representative.")

    def service_kwargs(self):
        return {**super().service_kwargs(), "result": Reply.Result.OPINION}


class ExtensionRequestForm(AssignmentForm):
    reason = forms.CharField(label=_("Why more time is needed"), widget=_text(2), max_length=2000)
    requested_due = forms.DateField(label=_("New deadline asked"), widget=DATE_WIDGET)
    done = _("Your request for an extension awaits the committee's decision.")

    def clean_requested_due(self):
        due = self.cleaned_data["requested_due"]
        if due <= timezone.localdate():
            raise ValidationError(_("The new deadline must be in the future."))
        return due


class DecideExtensionForm(LoopForm):
    APPROVE, REFUSE = "approve", "refuse"
    request = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(choices=[(APPROVE, _("Approve")), (REFUSE, _("Refuse"))], widget=forms.HiddenInput)
    granted_due = forms.DateField(label=_("New deadline"), required=False, widget=DATE_WIDGET)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)

    @classmethod
    def prepare(cls, suggestion, target):
        if target is None:
            return {}, {}
        return {}, {"request": target.pk, "granted_due": target.requested_due}

    def service_kwargs(self):
        data = self.cleaned_data
        return {"approve": data["decision"] == self.APPROVE, "granted_due": data["granted_due"], "note": data["note"]}

    def done_message(self, result):
        if self.cleaned_data["decision"] == self.APPROVE:
            return _("Extension approved: the new deadline is %(due)s.") % {"due": result.granted_due}
        return _("Extension refused.")


# The citizen's rating ------------------------------------------------------------------------


class RatingForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("Are you satisfied with the answer?"), choices=Rating.Verdict.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control form-control-lg"}),
    )
    phone_last4 = PhoneLast4Field()

    def __init__(self, *args, needs_phone: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not needs_phone:
            del self.fields["phone_last4"]


# The factory ---------------------------------------------------------------------------------


def action_form(action: str, suggestion, data=None, files=None, *, target=None, initial=None):
    """The form of ``action`` on ``suggestion`` (``target``: the assignment or extension request)."""
    form_class = ACTIONS[action].form_class()
    kwargs, prepared = form_class.prepare(suggestion, target)
    initial = {**prepared, **(initial or {})}
    auto_id = f"{action}-{target.pk}-%s" if target is not None else f"{action}-%s"
    return form_class(data, files, initial=initial, auto_id=auto_id, **kwargs)


# The detail page's forms ---------------------------------------------------------------------


@dataclass
class Bound:
    """A posted form that did not validate, shown again in its place with what was typed."""

    action: str
    target_pk: int | None
    form: forms.Form


@dataclass
class OfferedAction:
    action: str
    label: str
    form: forms.Form
    target: object = None


def detail_context(user, suggestion, *, bound: Bound | None = None) -> dict:
    """The loop panels of the detail page: the 三知 of each assignment, and one form per action offered."""
    panels = loop_selectors.detail_panels(user, suggestion)

    def offer(action, target=None):
        target_pk = target.pk if target is not None else None
        if bound is not None and bound.action == action and bound.target_pk == target_pk:
            form = bound.form
        else:
            form = action_form(action, suggestion, target=target)
        return OfferedAction(action=action, label=str(LABELS[action]), form=form, target=target)

    offered = [offer(action) for action in panels.suggestion_actions]
    for assignment in panels.assignments:
        assignment.offered = [offer(action, assignment) for action in panels.assignment_actions[assignment.pk]]
    for request in panels.pending_extensions:
        request.decide_form = offer(Action.DECIDE_EXTENSION, request).form
    return {
        "loop": panels,
        "offered_actions": offered,
        "timeline": panels.timeline,
        "can_decide_extensions": bool(panels.pending_extensions),
    }
