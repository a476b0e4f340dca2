from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from resourcelink.core.models import Archivable, StationOwned


class Community(StationOwned, Archivable):
    """A residential community (社区) served by the station."""

    name = models.CharField(_("name"), max_length=200)
    code = models.SlugField(_("code"), max_length=40, help_text=_("A short stable code used by imports."))
    description = models.TextField(_("description"), blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint("station", "code", name="community_code_unique_per_station"),
            models.UniqueConstraint("station", Lower("name"), name="community_name_unique_per_station"),
        ]

    def __str__(self) -> str:
        return self.name


class Grid(StationOwned, Archivable):
    """A grid (网格): the sub-area of a community one grid worker looks after."""

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.PROTECT, related_name="grids"
    )
    name = models.CharField(_("name"), max_length=200)
    code = models.SlugField(_("code"), max_length=40)
    description = models.TextField(_("description"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        ordering = ["community__name", "name", "id"]
        constraints = [models.UniqueConstraint("community", "code", name="grid_code_unique_per_community")]

    def __str__(self) -> str:
        return f"{self.community.name} · {self.name}"


class Walk(StationOwned, Archivable):
    """A community walk (社区漫步): going round a community to see what is there."""

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.PROTECT, related_name="walks"
    )
    walked_on = models.DateField(_("date"), default=timezone.localdate)
    walkers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("who walked"), related_name="walks", blank=True
    )
    companions = models.CharField(
        _("companions"), max_length=300, blank=True,
        help_text=_("Others who came along, such as neighbourhood committee members."),
    )
    route_notes = models.TextField(_("route and notes"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("community walk")
        verbose_name_plural = _("community walks")
        ordering = ["-walked_on", "-id"]

    def __str__(self) -> str:
        return f"{self.community.name} {self.walked_on:%Y-%m-%d}"


class LocationSource(models.TextChoices):
    GPS = "gps", _("Phone location")
    MAP = "map", _("Point on the map")
    ADDRESS = "address", _("Address only")


class Observation(StationOwned, Archivable):
    """Something seen on a walk that may be a resource. Promoting it creates
    a Resource and links the two, so the resource remembers where it was found."""

    walk = models.ForeignKey(Walk, verbose_name=_("walk"), on_delete=models.PROTECT, related_name="observations")
    title = models.CharField(_("what was seen"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, blank=True)  # directory.ResourceKind values
    category = models.ForeignKey(
        "taxonomy.Category", verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    grid = models.ForeignKey(
        Grid, verbose_name=_("grid"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    notes = models.TextField(_("notes"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    location_source = models.CharField(
        _("location from"), max_length=10, choices=LocationSource.choices, default=LocationSource.ADDRESS
    )
    photo = models.ImageField(_("photo"), upload_to="observations/%Y/%m/", null=True, blank=True,
                              db_index=True)
    observed_at = models.DateTimeField(_("observed at"), default=timezone.now)
    resource = models.OneToOneField(
        "directory.Resource", verbose_name=_("resource"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="observation",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("observation")
        verbose_name_plural = _("observations")
        ordering = ["-observed_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_promoted(self) -> bool:
        return self.resource_id is not None
