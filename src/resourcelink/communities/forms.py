"""Forms of the communities pages. They parse and check input; the services
validate again and write."""

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from resourcelink.directory.models import ResourceKind
from resourcelink.taxonomy.selectors import categories_for_station

from .models import LocationSource
from .selectors import communities_for_station, grids_for_station, station_members


class CommunityForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    code = forms.SlugField(
        label=_("Code"), max_length=40,
        help_text=_("A short stable code used by imports, such as “xihu-1”. It cannot be changed later."),
    )
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    latitude = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90,
                                widget=forms.NumberInput(attrs={"step": "any"}))
    longitude = forms.FloatField(label=_("Longitude"), required=False, min_value=-180, max_value=180,
                                 widget=forms.NumberInput(attrs={"step": "any"}))

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            # Imports and exports find a community by its code.
            del self.fields["code"]

    def clean(self):
        data = super().clean()
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            self.add_error("latitude", _("Give both latitude and longitude, or neither."))
        return data


class GridForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    code = forms.SlugField(
        label=_("Code"), max_length=40, help_text=_("A short stable code used by imports. It cannot be changed later.")
    )
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["code"]


class MemberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class WalkForm(forms.Form):
    community = forms.ModelChoiceField(label=_("Community"), queryset=None, empty_label=None)
    walked_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    walkers = MemberChoiceField(
        label=_("Who walked"), queryset=None, widget=forms.CheckboxSelectMultiple,
        help_text=_("Station members who took part."),
    )
    companions = forms.CharField(
        label=_("Companions"), max_length=300, required=False,
        help_text=_("Others who came along, such as neighbourhood committee members."),
    )
    route_notes = forms.CharField(label=_("Route and notes"), required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, station, lock_community: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities_for_station(station)
        self.fields["walkers"].queryset = station_members(station)
        if lock_community:
            # Its observations' grids belong to the community.
            self.fields["community"].disabled = True
            self.fields["community"].help_text = _("The walk has observations, so its community stays.")
        self.fields["walked_on"].initial = timezone.localdate


class CategoryField(forms.ModelChoiceField):
    """The station's categories as an indented tree, like category_choices."""

    def label_from_instance(self, obj):
        return "\u3000" * obj.depth + obj.name


class ObservationForm(forms.Form):
    title = forms.CharField(
        label=_("What was seen"), max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": _("e.g. Barber who offers free haircuts")}),
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Not sure yet")), *ResourceKind.choices])
    category = CategoryField(label=_("Category"), queryset=None, required=False, empty_label=_("Not sure yet"))
    grid = forms.ModelChoiceField(label=_("Grid"), queryset=None, required=False, empty_label=_("Not sure"))
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                            help_text=_("Who runs it, opening times, how much there is, who to call..."))
    address = forms.CharField(label=_("Address"), max_length=300, required=False,
                              help_text=_("Needed when there is no point on the map."))
    latitude = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90,
                                widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}))
    longitude = forms.FloatField(label=_("Longitude"), required=False, min_value=-180, max_value=180,
                                 widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}))
    location_source = forms.ChoiceField(
        choices=LocationSource.choices, initial=LocationSource.ADDRESS, widget=forms.HiddenInput, required=False
    )
    photo = forms.ImageField(
        label=_("Photo"), required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
        error_messages={
            "invalid_image": _("This file is not a photo we can read. Take the photo again or choose a JPEG or PNG."),
        },
    )

    def __init__(self, *args, walk, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories_for_station(walk.station_id)
        self.fields["grid"].queryset = grids_for_station(walk.station_id, community=walk.community_id)
        limit = settings.RL_MAX_UPLOAD_MB
        self.fields["photo"].help_text = _("Optional. Up to %(mb)s MB.") % {"mb": limit}

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        limit = settings.RL_MAX_UPLOAD_MB
        if photo and getattr(photo, "size", 0) > limit * 1024 * 1024:
            raise forms.ValidationError(
                _("This photo is larger than %(mb)s MB. Take it again at a lower resolution."), params={"mb": limit},
            )
        return photo

    def clean_location_source(self):
        return self.cleaned_data.get("location_source") or LocationSource.ADDRESS

    def clean(self):
        data = super().clean()
        lat, lon = data.get("latitude"), data.get("longitude")
        if (lat is None) != (lon is None) and not self.has_error("latitude") and not self.has_error("longitude"):
            self.add_error("latitude", _("Give both latitude and longitude, or neither."))
        return data

    def service_fields(self) -> dict:
        """The cleaned data as observation fields; the photo only when it changed."""
        data = dict(self.cleaned_data)
        data["kind"] = data.get("kind") or ""
        photo = data.pop("photo", None)
        if photo is False:  # "clear" ticked
            data["photo"] = None
        elif hasattr(photo, "content_type"):  # a new upload, not the stored file
            data["photo"] = photo
        return data
