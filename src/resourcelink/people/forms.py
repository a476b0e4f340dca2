"""Forms of the register. They parse input only; services.py validates,
checks roles and saves.

Edit forms never show a personal value in clear (that would be a showing
without a log): the name, address, phone and ID number boxes start empty
with the masked value as a placeholder, and an empty box keeps the value.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from resourcelink.communities.models import Community, Grid
from resourcelink.core.privacy import mask_address, mask_name, mask_phone
from resourcelink.core.widgets import RecordChoiceField
from resourcelink.directory.models import Organization

from .models import ConsentMethod, ConsentScope, Gender, Relation, VulnerabilityTag
from .selectors import HouseholdFilter

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
KEEP_HELP = _("Leave empty to keep the current value (shown masked).")


def _communities(station):
    return Community.objects.filter(station=station, archived_on__isnull=True).order_by("name", "id")


def _grids(station):
    return Grid.objects.filter(station=station, archived_on__isnull=True).select_related("community").order_by(
        "community__name", "name", "id")


class HouseholdFilterForm(forms.Form):
    q = forms.CharField(label=_("Household number"), required=False, max_length=40,
                        help_text=_("The number shown as #12, or the start of the record's code."))
    community = RecordChoiceField(label=_("Community"), empty_label=_("Any community"))
    grid = RecordChoiceField(label=_("Grid"), empty_label=_("Any grid"))
    tag = RecordChoiceField(label=_("Vulnerability"), empty_label=_("Any vulnerability"))
    archived = forms.BooleanField(label=_("Archived households"), required=False)

    def __init__(self, data=None, *, station, vulnerabilities: bool = True, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["community"].set_choices(_communities(station).values_list("pk", "name"))
        self.fields["grid"].set_choices([(g.pk, f"{g.community.name} · {g.name}") for g in _grids(station)])
        if vulnerabilities:
            self.fields["tag"].set_choices([(t.pk, t.name) for t in VulnerabilityTag.objects.filter(
                station=station, archived_on__isnull=True)])
        else:
            # Viewers: which households have a disabled or ill resident is personal data.
            del self.fields["tag"]

    def to_filter(self) -> HouseholdFilter:
        d = self.cleaned_data
        return HouseholdFilter(q=d.get("q") or "", community_id=d.get("community"), grid_id=d.get("grid"),
                               tag_id=d.get("tag"), archived=bool(d.get("archived")))


class HouseholdForm(forms.Form):
    name = forms.CharField(label=_("Household name"), max_length=100,
                           help_text=_("Usually the family name of the head of household, such as 陈家."))
    address = forms.CharField(label=_("Address"), max_length=300)
    community = forms.ModelChoiceField(label=_("Community"), queryset=Community.objects.none())
    grid = forms.ModelChoiceField(label=_("Grid"), queryset=Grid.objects.none(), required=False)
    latitude = forms.FloatField(label=_("latitude"), required=False, min_value=-90, max_value=90,
                                widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}))
    longitude = forms.FloatField(label=_("longitude"), required=False, min_value=-180, max_value=180,
                                 widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}))
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    reason = forms.CharField(label=_("Reason for the change"), required=False, max_length=1000)

    def __init__(self, data=None, *, station, household=None, **kwargs):
        initial = {}
        if household is not None:
            initial = {"community": household.community_id, "grid": household.grid_id,
                       "latitude": household.latitude, "longitude": household.longitude, "notes": household.notes}
        super().__init__(data, initial=initial, **kwargs)
        self.household = household
        self.fields["community"].queryset = _communities(station)
        self.fields["grid"].queryset = _grids(station)
        if household is None:
            del self.fields["reason"]
        else:
            for name, mask in (("name", mask_name), ("address", mask_address)):
                self.fields[name].required = False
                self.fields[name].help_text = KEEP_HELP
                self.fields[name].widget.attrs["placeholder"] = mask(getattr(household, name))

    def service_fields(self) -> dict:
        d = self.cleaned_data
        fields = {k: d[k] for k in ("community", "grid", "latitude", "longitude", "notes")}
        for name in ("name", "address"):
            if d.get(name) or self.household is None:
                fields[name] = d[name]
        return fields


class ResidentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    relation = forms.ChoiceField(label=_("Relation in the household"), choices=Relation.choices)
    id_number = forms.CharField(label=_("ID number"), required=False, max_length=30,
                                help_text=_("18 characters. Birth date and gender are read from it."))
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, initial=Gender.UNKNOWN)
    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=DATE_INPUT)
    birth_year = forms.IntegerField(label=_("Birth year"), required=False, min_value=1900, max_value=2100,
                                    help_text=_("When the full date is not known."))
    phone = forms.CharField(label=_("Phone"), required=False, max_length=30,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    tags = forms.TypedMultipleChoiceField(label=_("Vulnerabilities"), required=False, coerce=int,
                                          widget=forms.CheckboxSelectMultiple)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    remove_phone = forms.BooleanField(label=_("Remove the phone number"), required=False)
    remove_id_number = forms.BooleanField(label=_("Remove the ID number"), required=False)
    reason = forms.CharField(label=_("Reason for the change"), required=False, max_length=1000)
    confirm_duplicate = forms.BooleanField(label=_("This is a different person: save anyway"), required=False)

    def __init__(self, data=None, *, station, resident=None, **kwargs):
        initial = {}
        if resident is not None:
            initial = {"relation": resident.relation, "gender": resident.gender, "birth_year": resident.birth_year,
                       "notes": resident.notes, "tags": [t.pk for t in resident.tags.all()]}
        super().__init__(data, initial=initial, **kwargs)
        self.resident = resident
        tags = VulnerabilityTag.objects.filter(station=station, archived_on__isnull=True)
        choices = [(t.pk, t.name) for t in tags]
        if resident is not None:
            live = {pk for pk, _label in choices}
            choices += [(t.pk, f"{t.name} ({_('archived')})") for t in resident.tags.all() if t.pk not in live]
        self.fields["tags"].choices = choices
        self.fields["id_number"].widget.attrs["autocomplete"] = "off"
        if resident is None:
            for name in ("remove_phone", "remove_id_number", "reason"):
                del self.fields[name]
        else:
            del self.fields["confirm_duplicate"]
            self.fields["name"].required = False
            self.fields["name"].help_text = KEEP_HELP
            self.fields["name"].widget.attrs["placeholder"] = mask_name(resident.name)
            self.fields["phone"].widget.attrs["placeholder"] = mask_phone(resident.phone)
            self.fields["id_number"].widget.attrs["placeholder"] = resident.id_number_masked
            self.fields["birth_date"].help_text = KEEP_HELP
            for name in ("phone", "id_number"):
                self.fields[name].help_text = KEEP_HELP
            if not resident.phone:
                del self.fields["remove_phone"]
            if not resident.id_number_masked:
                del self.fields["remove_id_number"]

    def tag_objects(self, station):
        ids = self.cleaned_data.get("tags") or []
        return list(VulnerabilityTag.objects.filter(station=station, pk__in=ids))

    def service_kwargs(self, station) -> dict:
        """Keyword arguments for resident_create / resident_update."""
        d = self.cleaned_data
        kwargs = {"relation": d["relation"], "gender": d["gender"], "birth_year": d["birth_year"],
                  "notes": d["notes"], "tags": self.tag_objects(station)}
        if self.resident is None:
            kwargs.update(name=d["name"], phone=d["phone"], birth_date=d["birth_date"], id_number=d["id_number"],
                          confirm_duplicate=d.get("confirm_duplicate", False))
            return kwargs
        if d.get("name"):
            kwargs["name"] = d["name"]
        if d.get("remove_phone"):
            kwargs["phone"] = ""
        elif d.get("phone"):
            kwargs["phone"] = d["phone"]
        if d.get("birth_date"):
            kwargs["birth_date"] = d["birth_date"]
        elif d["birth_year"] and self.resident.birth_date and self.resident.birth_date.year != d["birth_year"]:
            kwargs["birth_date"] = None  # a new year without a date: the old date no longer holds
        if d.get("remove_id_number"):
            kwargs["id_number"] = ""
        elif d.get("id_number"):
            kwargs["id_number"] = d["id_number"]
        kwargs["reason"] = d.get("reason", "")
        return kwargs


class ConsentForm(forms.Form):
    scope = forms.ChoiceField(label=_("Agreed to"), choices=ConsentScope.choices)
    organization = forms.ModelChoiceField(label=_("Organisation"), queryset=Organization.objects.none(),
                                          required=False,
                                          help_text=_("For sharing: the organisation the resident agreed to."))
    given_by = forms.CharField(label=_("Agreed by"), max_length=100,
                               help_text=_("The resident, or the guardian who agreed for them."))
    method = forms.ChoiceField(label=_("How"), choices=ConsentMethod.choices)
    given_on = forms.DateField(label=_("Agreed on"), widget=DATE_INPUT)

    def __init__(self, data=None, *, station, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["organization"].queryset = Organization.objects.filter(
            station=station, archived_on__isnull=True).order_by("name", "id")


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000)


class TagForm(forms.ModelForm):
    reason = forms.CharField(label=_("Reason for the change"), required=False, max_length=1000)

    class Meta:
        model = VulnerabilityTag
        fields = ["code", "name_zh_hans", "name_en", "description", "weight", "sort_order"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, edit: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["weight"].max_value = 10
        self.fields["weight"].widget.attrs["max"] = 10
        if not edit:
            del self.fields["reason"]

    def service_fields(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "reason"}
