from django import forms
from django.utils.translation import gettext_lazy as _

from resourcelink.communities.models import Community, Grid
from resourcelink.taxonomy.models import Category
from resourcelink.taxonomy.selectors import category_choices

from .models import ResourceKind, ResourceStatus
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
    category = forms.TypedChoiceField(label=_("Category"), required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Any kind")), *ResourceKind.choices])
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Not archived")), *ResourceStatus.choices]
    )
    formal = forms.ChoiceField(label=_("Formal or informal"), required=False, choices=FORMAL)
    internal = forms.ChoiceField(label=_("Inside or outside"), required=False, choices=INTERNAL)
    community = forms.TypedChoiceField(label=_("Community"), required=False, coerce=int, empty_value=None)
    grid = forms.TypedChoiceField(label=_("Grid"), required=False, coerce=int, empty_value=None)
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
        self.fields["category"].choices = [("", _("Any category")), *category_choices(station)]
        self.fields["community"].choices = [("", _("Any community")), *(
            (c.pk, c.name) for c in Community.objects.filter(station=station, archived_on__isnull=True))]
        self.fields["grid"].choices = [("", _("Any grid")), *(
            (g.pk, str(g)) for g in Grid.objects.filter(station=station, archived_on__isnull=True).select_related(
                "community"))]

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


def resource_filter_from_request(request, station) -> tuple[ResourceFilterForm, ResourceFilter | None]:
    """The bound filter form for a request's GET and its filter (None when
    the parameters are invalid: the caller shows the form's errors)."""
    form = ResourceFilterForm(request.GET or None, station=station)
    if not request.GET:
        form = ResourceFilterForm({}, station=station)
    return form, (form.to_filter() if form.is_valid() else None)
