"""Forms of the needs pages. They parse and present input; services.py does
the permission checks, cross-station checks and saving."""

from django import forms
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from resourcelink.accounts.models import STAFF, Membership
from resourcelink.communities.models import Community, Grid
from resourcelink.core.privacy import mask_name
from resourcelink.core.widgets import RecordChoiceField
from resourcelink.directory.forms import grid_choices
from resourcelink.taxonomy.models import Category
from resourcelink.taxonomy.selectors import category_choices

from .models import (
    URGENCY_DEFINITIONS,
    LinkStatus,
    Need,
    NeedSource,
    NeedStatus,
    Urgency,
)
from .selectors import NeedFilter

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
STATUS_CHOICES = [("", _("Still wanting")), ("all", _("Any status")), *NeedStatus.choices]
DUE_CHOICES = [("", _("Any due date")), ("today", _("Due today")), ("overdue", _("Overdue"))]
ORDER_CHOICES = [("urgency", _("Most urgent, then oldest")), ("due", _("Due date")), ("-created", _("Newest"))]


def member_choices(station, roles=None) -> list[tuple[int, str]]:
    qs = Membership.objects.filter(station=station, ended_on__isnull=True)
    if roles is not None:
        qs = qs.filter(role__in=roles)
    rows = qs.order_by("user__username").values_list("user_id", "user__first_name", "user__last_name",
                                                      "user__username")
    return [(pk, (f"{first} {last}".strip() or username)) for pk, first, last, username in rows]


def urgency_choices_with_definitions() -> list[tuple[str, str]]:
    return [(u.value, format_html("<b>{}</b> — {}", u.label, URGENCY_DEFINITIONS[u])) for u in Urgency]


class NeedFilterForm(forms.Form):
    """GET parameters of the need list: status, urgency, category, community,
    grid, assigned, mine, source, due (today/overdue), min_age, max_age,
    order."""

    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_CHOICES)
    urgency = forms.ChoiceField(label=_("Urgency"), required=False, choices=[("", _("Any urgency")),
                                                                              *Urgency.choices])
    category = RecordChoiceField(label=_("Category"), empty_label=_("Any category"))
    due = forms.ChoiceField(label=_("Due"), required=False, choices=DUE_CHOICES)
    community = RecordChoiceField(label=_("Community"), empty_label=_("Any community"))
    grid = RecordChoiceField(label=_("Grid"), empty_label=_("Any grid"))
    assigned = RecordChoiceField(label=_("Social worker"), empty_label=_("Anyone"))
    mine = forms.BooleanField(label=_("Only mine"), required=False)
    source = forms.ChoiceField(label=_("Source"), required=False, choices=[("", _("Any source")),
                                                                            *NeedSource.choices])
    min_age = forms.IntegerField(label=_("At least (days old)"), required=False, min_value=0, max_value=3650)
    max_age = forms.IntegerField(label=_("At most (days old)"), required=False, min_value=0, max_value=3650)
    order = forms.ChoiceField(label=_("Order by"), required=False, choices=ORDER_CHOICES)

    PRIMARY = ("status", "urgency", "category", "due")

    def __init__(self, data=None, *, station, user=None, **kwargs):
        super().__init__(data, **kwargs)
        self.station = station
        self.user = user
        self.fields["category"].set_choices(category_choices(station))
        self.fields["community"].set_choices(Community.objects.filter(
            station=station, archived_on__isnull=True).order_by("name", "id").values_list("pk", "name"))
        live_grids = Grid.objects.filter(station=station, archived_on__isnull=True)
        community_id = str(self.data.get("community") or "")
        self.fields["grid"].set_choices(
            grid_choices(station, int(community_id)) if community_id.isdigit() else [],
            exists=lambda pk: live_grids.filter(pk=pk).exists(),
        )
        self.fields["community"].widget.attrs.update({
            "hx-get": reverse("directory:grid_options"), "hx-target": "#id_grid", "hx-swap": "innerHTML",
            "hx-trigger": "change",
        })
        self.fields["assigned"].set_choices(member_choices(station, STAFF))

    def primary_fields(self):
        return [self[name] for name in self.PRIMARY]

    def secondary_fields(self):
        return [f for f in self if f.name not in self.PRIMARY]

    def has_secondary_values(self) -> bool:
        data = self.data or {}
        return any(data.get(f.name) not in (None, "") or f.errors for f in self.secondary_fields())

    def to_filter(self) -> NeedFilter:
        d = self.cleaned_data
        category = Category.objects.filter(station=self.station, pk=d["category"]).first() if d.get("category") \
            else None
        assigned = d.get("assigned")
        if d.get("mine") and self.user is not None:
            assigned = self.user.pk
        return NeedFilter(
            status=d.get("status") or "", urgency=d.get("urgency") or "", category=category,
            community_id=d.get("community"), grid_id=d.get("grid"), assigned_to_id=assigned,
            source=d.get("source") or "", due_today=d.get("due") == "today", overdue=d.get("due") == "overdue",
            min_age_days=d.get("min_age"), max_age_days=d.get("max_age"), order=d.get("order") or "urgency",
        )


def need_filter_from_request(request, station) -> tuple[NeedFilterForm, NeedFilter | None]:
    form = NeedFilterForm(request.GET or {}, station=station, user=request.user)
    return form, (form.to_filter() if form.is_valid() else None)


class NeedForm(forms.ModelForm):
    """Record or edit a need. Residents are offered by their masked name."""

    category = forms.TypedChoiceField(label=_("Category"), coerce=int)
    resident = forms.TypedChoiceField(label=_("For one resident"), coerce=int, required=False, empty_value=None)
    assigned_to = forms.TypedChoiceField(label=_("Social worker"), coerce=int, required=False, empty_value=None)
    urgency = forms.ChoiceField(label=_("Urgency"), widget=forms.RadioSelect, initial=Urgency.NORMAL)
    reason = forms.CharField(label=_("Reason for the change"), required=False, max_length=300)

    class Meta:
        model = Need
        fields = ["category", "resident", "description", "quantity", "unit", "urgency", "due_on", "source",
                  "assigned_to"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3}), "due_on": DATE_INPUT}

    def __init__(self, *args, station, household, edit: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.station = station
        self.household = household
        choices = list(category_choices(station))
        current = self.instance.category if self.instance.pk else None
        if current is not None and current.pk not in {pk for pk, _l in choices}:
            choices.append((current.pk, f"{current.name} ({_('retired')})"))
        self.fields["category"].choices = [("", "—"), *choices]
        residents = household.residents.filter(archived_on__isnull=True).order_by("id").values_list("pk", "name")
        self.fields["resident"].choices = [("", _("The whole household"))] + [
            (pk, mask_name(name)) for pk, name in residents]
        self.fields["assigned_to"].choices = [("", _("Nobody yet"))] + member_choices(station, STAFF)
        self.fields["urgency"].choices = urgency_choices_with_definitions()
        if self.instance.pk and not self.is_bound:
            self.initial.update({"category": self.instance.category_id, "resident": self.instance.resident_id,
                                 "assigned_to": self.instance.assigned_to_id})
        if not edit:
            del self.fields["reason"]

    def clean_category(self):
        pk = self.cleaned_data.get("category")
        category = Category.objects.filter(station=self.station, pk=pk).first()
        if category is None:
            raise forms.ValidationError(_("Choose one of this station's categories."))
        return category

    def clean_resident(self):
        pk = self.cleaned_data.get("resident")
        if pk is None:
            return None
        resident = self.household.residents.filter(pk=pk).first()
        if resident is None:
            raise forms.ValidationError(_("Choose a resident of this household."))
        return resident

    def clean_assigned_to(self):
        pk = self.cleaned_data.get("assigned_to")
        return get_user_model().objects.filter(pk=pk).first() if pk else None

    def service_fields(self) -> dict:
        skip = {"reason", "category", "resident"}
        return {k: v for k, v in self.cleaned_data.items() if k not in skip and k in self._meta.fields}


class NeedTransitionForm(forms.Form):
    to_status = forms.ChoiceField(label=_("New status"), choices=NeedStatus.choices)
    reason = forms.CharField(label=_("Why"), required=False, max_length=300)


class LinkCreateForm(forms.Form):
    resource = forms.IntegerField(label=_("Resource"), min_value=1)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, initial=1)
    follow_up_on = forms.DateField(label=_("Follow up on"), required=False, widget=DATE_INPUT)
    consent_override_reason = forms.CharField(
        label=_("Consent override reason"), required=False, max_length=300,
        help_text=_("Admins only: why the resident's details may be shared without their consent."))


class LinkTransitionForm(forms.Form):
    to_status = forms.ChoiceField(label=_("New status"), choices=LinkStatus.choices)
    reason = forms.CharField(label=_("Why"), required=False, max_length=300)
    outcome = forms.CharField(label=_("Outcome"), required=False, max_length=2000)
    feedback = forms.CharField(label=_("Resident's feedback"), required=False, max_length=2000)


class LinkUpdateForm(forms.Form):
    follow_up_on = forms.DateField(label=_("Follow up on"), required=False, widget=DATE_INPUT)
    outcome = forms.CharField(label=_("Outcome"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 2}))
    feedback = forms.CharField(label=_("Resident's feedback"), required=False, max_length=2000,
                               widget=forms.Textarea(attrs={"rows": 2}))
