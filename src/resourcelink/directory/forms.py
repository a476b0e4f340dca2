from django import forms
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from resourcelink.communities.models import Community, Grid
from resourcelink.core.widgets import RecordChoiceField
from resourcelink.taxonomy.models import Category
from resourcelink.taxonomy.selectors import category_choices

from .models import Contact, Location, Organization, Resource, ResourceKind, ResourceStatus, Service
from .selectors import ResourceFilter

YES_NO = [("", _("Either")), ("1", _("Yes")), ("0", _("No"))]
FORMAL = [("", _("Either")), ("1", _("Formal")), ("0", _("Informal"))]
INTERNAL = [("", _("Either")), ("1", _("Inside the community")), ("0", _("Outside the community"))]
ORDER = [
    ("name", _("Name")),
    ("-updated", _("Recently changed")),
    ("-created", _("Recently added")),
    ("-verified", _("Recently verified")),
    ("distance", _("Distance")),
]


class ResourceFilterForm(forms.Form):
    """The GET parameters every resource list understands (the list page,
    the map and its data, exports, the API): q, category, kind, status,
    formal, internal, community, grid, verified_within, stale, near_lat,
    near_lon, radius_km, order. Invalid values are reported, not ignored."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    category = RecordChoiceField(label=_("Category"), empty_label=_("Any category"))
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Any kind")), *ResourceKind.choices])
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Not archived")), *ResourceStatus.choices]
    )
    formal = forms.ChoiceField(label=_("Formal or informal"), required=False, choices=FORMAL)
    internal = forms.ChoiceField(label=_("Inside or outside"), required=False, choices=INTERNAL)
    community = RecordChoiceField(label=_("Community"), empty_label=_("Any community"))
    grid = RecordChoiceField(label=_("Grid"), empty_label=_("Any grid"))
    verified_within = forms.IntegerField(label=_("Verified within (days)"), required=False, min_value=0,
                                         max_value=3650)
    stale = forms.BooleanField(label=_("Only stale ones"), required=False)
    near_lat = forms.FloatField(label=_("Near latitude"), required=False, min_value=-90, max_value=90)
    near_lon = forms.FloatField(label=_("Near longitude"), required=False, min_value=-180, max_value=180)
    radius_km = forms.FloatField(label=_("Within (km)"), required=False, min_value=0.01, max_value=500)
    order = forms.ChoiceField(label=_("Order by"), required=False, choices=ORDER)

    def __init__(self, data=None, *, station, **kwargs):
        super().__init__(data, **kwargs)
        self.station = station
        self.fields["category"].set_choices(category_choices(station))
        # values_list, not model instances: a district has hundreds of grids.
        self.fields["community"].set_choices(Community.objects.filter(
            station=station, archived_on__isnull=True).order_by("name", "id").values_list("pk", "name"))
        # Grids are offered for the chosen community only (a district has
        # hundreds; the community box reloads them through htmx); any grid
        # of the station is still accepted, as the API and old links send.
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

    PRIMARY = ("q", "category", "kind")

    def primary_fields(self):
        """What a phone shows first; the rest folds under "More filters"."""
        return [self[name] for name in self.PRIMARY]

    def secondary_fields(self):
        return [field for field in self if field.name not in self.PRIMARY]

    def has_secondary_values(self) -> bool:
        """Keep "More filters" open when one of them is in use (or wrong)."""
        data = self.data or {}
        return any(data.get(f.name) not in (None, "") or f.errors for f in self.secondary_fields())

    def clean(self):
        data = super().clean()
        has_lat, has_lon = data.get("near_lat") is not None, data.get("near_lon") is not None
        if has_lat != has_lon:
            self.add_error("near_lon" if has_lat else "near_lat", _("Give both latitude and longitude."))
        if data.get("radius_km") is not None and not (has_lat and has_lon):
            self.add_error("radius_km", _("A distance needs a point: give latitude and longitude."))
        if data.get("order") == "distance" and not (has_lat and has_lon):
            self.add_error("order", _("Ordering by distance needs a point."))
        return data

    def to_filter(self) -> ResourceFilter:
        """The filter for valid data (call after is_valid())."""
        d = self.cleaned_data
        category = None
        if d.get("category"):
            category = Category.objects.filter(station=self.station, pk=d["category"]).first()
        flag = {"": None, "1": True, "0": False}
        return ResourceFilter(
            q=d.get("q") or "",
            category=category,
            kind=d.get("kind") or "",
            status=d.get("status") or "",
            is_formal=flag[d.get("formal") or ""],
            is_internal=flag[d.get("internal") or ""],
            community_id=d.get("community"),
            grid_id=d.get("grid"),
            verified_within_days=d.get("verified_within"),
            stale=bool(d.get("stale")),
            near_lat=d.get("near_lat"),
            near_lon=d.get("near_lon"),
            radius_km=d.get("radius_km"),
            order=d.get("order") or "name",
        )


def grid_choices(station, community_id: int) -> list[tuple[int, str]]:
    return list(Grid.objects.filter(station=station, community_id=community_id, archived_on__isnull=True)
                .order_by("name", "id").values_list("pk", "name"))


def resource_filter_from_request(request, station) -> tuple[ResourceFilterForm, ResourceFilter | None]:
    """The bound filter form for a request's GET and its filter (None when
    the parameters are invalid: the caller shows the form's errors)."""
    form = ResourceFilterForm(request.GET or {}, station=station)
    return form, (form.to_filter() if form.is_valid() else None)


# --- Editing forms ----------------------------------------------------------
#
# These forms only parse and present input: the services in services.py do
# the permission checks, cross-station checks and saving. Choices are limited
# to the station's own records so that a select box never lists another
# station's rows (the services check again, for the API and imports).

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def latitude_field():
    return forms.FloatField(label=_("latitude"), required=False, min_value=-90, max_value=90,
                            widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}))


def longitude_field():
    return forms.FloatField(label=_("longitude"), required=False, min_value=-180, max_value=180,
                            widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}))


def _category_field_choices(station, keep=()) -> list[tuple[int, str]]:
    """The station's live categories, plus retired ones a record already has
    (so that editing it does not drop them silently)."""
    choices = list(category_choices(station))
    live = {pk for pk, _label in choices}
    for category in keep:
        if category.pk not in live:
            choices.append((category.pk, "%s (%s)" % (category.name, _("retired"))))
    return choices


def _categories_from_ids(station, ids) -> list[Category]:
    ids = [int(i) for i in ids or []]
    found = {c.pk: c for c in Category.objects.filter(station=station, pk__in=ids)}
    return [found[i] for i in ids if i in found]


def _live_or_current(queryset, current):
    """Non-archived rows, plus the one currently chosen even if archived."""
    q = Q(archived_on__isnull=True)
    if current is not None:
        q |= Q(pk=current.pk)
    return queryset.filter(q)


class ResourceForm(forms.ModelForm):
    """Add or edit a resource. ``station`` limits every choice to that
    station; ``edit`` adds the reason field."""

    categories = forms.TypedMultipleChoiceField(label=_("Categories"), required=False, coerce=int)
    latitude = latitude_field()
    longitude = longitude_field()
    reason = forms.CharField(
        label=_("Reason for the change"), required=False, max_length=1000,
        help_text=_("Kept in the history, e.g. “phone number changed”."),
    )

    class Meta:
        model = Resource
        fields = [
            "name", "kind", "categories", "description", "is_formal", "is_internal", "community", "grid",
            "address", "latitude", "longitude", "contact_name", "contact_phone", "quantity", "unit",
            "availability", "eligibility", "source", "source_date", "last_verified_on", "status", "tags",
            "organization", "service",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "eligibility": forms.Textarea(attrs={"rows": 2}),
            "source_date": DATE_INPUT,
            "last_verified_on": DATE_INPUT,
            "contact_phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        }

    def __init__(self, *args, station, edit: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.station = station
        instance = self.instance if self.instance.pk else None
        current = list(instance.categories.all()) if instance else []
        self.fields["categories"].choices = _category_field_choices(station, keep=current)
        self.fields["categories"].widget.attrs["size"] = 8
        if instance and not self.is_bound:
            self.initial["categories"] = [c.pk for c in current]
        self.fields["community"].queryset = _live_or_current(
            Community.objects.filter(station=station), instance.community if instance else None)
        self.fields["grid"].queryset = _live_or_current(
            Grid.objects.filter(station=station).select_related("community"), instance.grid if instance else None)
        self.fields["organization"].queryset = _live_or_current(
            Organization.objects.filter(station=station), instance.organization if instance else None)
        self.fields["service"].queryset = _live_or_current(
            Service.objects.filter(station=station), instance.service if instance else None)
        if not edit:
            del self.fields["reason"]

    def clean_categories(self):
        return _categories_from_ids(self.station, self.cleaned_data.get("categories"))

    def service_fields(self) -> dict:
        """The cleaned values the resource services take as fields."""
        skip = {"categories", "reason"}
        return {k: v for k, v in self.cleaned_data.items() if k not in skip and k in self._meta.fields}


class ResourceStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=ResourceStatus.choices)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=1000)


class OrganizationForm(forms.ModelForm):
    website = forms.URLField(label=_("website"), required=False, max_length=200, assume_scheme="https")
    reason = forms.CharField(label=_("Reason for the change"), required=False, max_length=1000)

    class Meta:
        model = Organization
        fields = ["name", "alternate_name", "description", "email", "website", "legal_status", "is_formal",
                  "is_internal"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, station, edit: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.station = station
        if not edit:
            del self.fields["reason"]

    def service_fields(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k in self._meta.fields}


class ServiceForm(forms.ModelForm):
    categories = forms.TypedMultipleChoiceField(label=_("Categories"), required=False, coerce=int)
    reason = forms.CharField(label=_("Reason for the change"), required=False, max_length=1000)

    class Meta:
        model = Service
        fields = ["name", "description", "status", "categories", "eligibility_description", "capacity",
                  "capacity_unit", "schedule", "locations"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3}),
                   "eligibility_description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, station, organization: Organization, edit: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.station = station
        instance = self.instance if self.instance.pk else None
        current = list(instance.categories.all()) if instance else []
        self.fields["categories"].choices = _category_field_choices(station, keep=current)
        if instance and not self.is_bound:
            self.initial["categories"] = [c.pk for c in current]
        self.fields["locations"].queryset = Location.objects.filter(
            station=station, organization=organization, archived_on__isnull=True)
        self.fields["locations"].required = False
        if not edit:
            del self.fields["reason"]

    def clean_categories(self):
        return _categories_from_ids(self.station, self.cleaned_data.get("categories"))

    def service_fields(self) -> dict:
        skip = {"categories", "locations", "reason"}
        return {k: v for k, v in self.cleaned_data.items() if k not in skip and k in self._meta.fields}


class LocationForm(forms.ModelForm):
    latitude = latitude_field()
    longitude = longitude_field()
    reason = forms.CharField(label=_("Reason for the change"), required=False, max_length=1000)

    class Meta:
        model = Location
        fields = ["name", "description", "address", "latitude", "longitude"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, station, organization: Organization, edit: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.station = station
        if not edit:
            del self.fields["reason"]

    def clean(self):
        data = super().clean()
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            self.add_error("longitude" if data.get("longitude") is None else "latitude",
                           _("Give both latitude and longitude, or neither."))
        return data

    def service_fields(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k in self._meta.fields}


class ContactForm(forms.ModelForm):
    reason = forms.CharField(label=_("Reason for the change"), required=False, max_length=1000)

    class Meta:
        model = Contact
        fields = ["name", "title", "department", "email", "phone", "service"]
        widgets = {"phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"})}

    def __init__(self, *args, station, organization: Organization, edit: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.station = station
        current = self.instance.service if self.instance.pk else None
        self.fields["service"].queryset = _live_or_current(
            Service.objects.filter(station=station, organization=organization), current)
        if not edit:
            del self.fields["reason"]

    def service_fields(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k in self._meta.fields}


class OrganizationSearchForm(forms.Form):
    q = forms.CharField(label=_("Search by name"), required=False, max_length=200)
