"""Forms of matching: a new allocation run, accepting lines, the gap filters.

They only parse and present: ``services.allocation_parameters_clean`` checks
again (ids of this station, ranges) for the CLI and any other caller.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from resourcelink.communities.models import Community
from resourcelink.directory.models import ResourceKind
from resourcelink.taxonomy.selectors import category_choices

from . import engine, services
from .selectors import GapFilter

TIER_CHOICES = [
    ("none", _("No tiers: weigh urgency and vulnerability together")),
    ("urgency", _("By urgency: critical needs first, then high, normal, low")),
    ("tags", _("By vulnerability: households with a chosen vulnerability first")),
]


def _urgency_choices():
    from resourcelink.needs.models import Urgency

    return Urgency.choices


def _community_choices(station):
    return list(Community.objects.filter(station=station, archived_on__isnull=True).order_by("name", "id")
                .values_list("pk", "name"))


def _tag_choices(station):
    from django.utils import translation

    from resourcelink.people.models import VulnerabilityTag

    zh = (translation.get_language() or "").lower().startswith("zh")
    return [(pk, (name_zh or name_en) if zh else (name_en or name_zh)) for pk, name_zh, name_en in
            VulnerabilityTag.objects.filter(station=station, archived_on__isnull=True)
            .values_list("pk", "name_zh_hans", "name_en")]


def _ids_field(label, help_text=""):
    return forms.TypedMultipleChoiceField(label=label, required=False, coerce=int, help_text=help_text)


class AllocationRunForm(forms.Form):
    """Which open needs, which supply, and the policy. Empty choices mean "all"."""

    need_category_ids = _ids_field(_("Needs in these categories"), _("Sub-categories are included."))
    need_community_ids = _ids_field(_("Needs in these communities"))
    need_urgencies = forms.MultipleChoiceField(label=_("Needs of these urgencies"), required=False)
    supply_category_ids = _ids_field(_("Supply in these categories"), _("Sub-categories are included."))
    supply_community_ids = _ids_field(_("Supply in these communities"))
    supply_kinds = forms.MultipleChoiceField(label=_("Supply of these kinds"), required=False,
                                             choices=ResourceKind.choices)
    tiers = forms.ChoiceField(label=_("Priority tiers"), choices=TIER_CHOICES, initial="none",
                              widget=forms.RadioSelect)
    priority_tag_ids = _ids_field(_("Vulnerabilities served first"), _("With tiers by vulnerability."))
    household_cap = forms.IntegerField(label=_("Most per household"), required=False, min_value=1,
                                       max_value=services.HOUSEHOLD_CAP_MAX,
                                       help_text=_("Leave empty for no cap."))
    max_distance_km = forms.FloatField(label=_("Farthest distance (km)"), required=False, min_value=0,
                                       max_value=services.MAX_DISTANCE_KM_MAX,
                                       help_text=_("Resources farther from the household are not used."))
    distance_weight = forms.FloatField(label=_("Distance weight"), required=False, min_value=0,
                                       max_value=services.DISTANCE_WEIGHT_MAX,
                                       initial=engine.DEFAULT_DISTANCE_WEIGHT,
                                       help_text=_("How much nearer resources are preferred (0: not at all)."))

    def __init__(self, data=None, *, station, **kwargs):
        super().__init__(data, **kwargs)
        categories = category_choices(station)
        communities = _community_choices(station)
        self.fields["need_category_ids"].choices = categories
        self.fields["supply_category_ids"].choices = categories
        self.fields["need_community_ids"].choices = communities
        self.fields["supply_community_ids"].choices = communities
        self.fields["need_urgencies"].choices = _urgency_choices()
        self.fields["priority_tag_ids"].choices = _tag_choices(station)

    def parameters(self) -> dict:
        d = self.cleaned_data
        return {
            "needs": {"category_ids": d["need_category_ids"], "community_ids": d["need_community_ids"],
                      "grid_ids": [], "urgencies": d["need_urgencies"]},
            "supply": {"category_ids": d["supply_category_ids"], "community_ids": d["supply_community_ids"],
                       "kinds": d["supply_kinds"], "resource_ids": []},
            "policy": {"tiers": d["tiers"], "priority_tag_ids": d["priority_tag_ids"],
                       "household_cap": d["household_cap"], "max_distance_km": d["max_distance_km"],
                       "distance_weight": d["distance_weight"]},
        }


class GapFilterForm(forms.Form):
    community = forms.TypedChoiceField(label=_("Community"), required=False, coerce=int, empty_value=None)
    urgency = forms.MultipleChoiceField(label=_("Urgency"), required=False)
    category = forms.TypedChoiceField(label=_("Top-level category"), required=False, coerce=int,
                                      empty_value=None)

    def __init__(self, data=None, *, station, **kwargs):
        super().__init__(data, **kwargs)
        from resourcelink.taxonomy.models import Category

        self.fields["community"].choices = [("", _("Any community")), *_community_choices(station)]
        self.fields["urgency"].choices = _urgency_choices()
        root_ids = set(Category.objects.filter(station=station, parent__isnull=True).values_list("pk", flat=True))
        roots = [(pk, name.strip("\u3000")) for pk, name in category_choices(station) if pk in root_ids]
        self.fields["category"].choices = [("", _("Any category")), *roots]

    def to_filter(self) -> GapFilter:
        d = self.cleaned_data
        return GapFilter(community_id=d["community"], urgencies=d["urgency"], top_category_id=d["category"])
