import hashlib

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from resourcelink.core.models import Archivable, TimeStamped


class Role(models.TextChoices):
    ADMIN = "admin", _("Station admin")
    SOCIAL_WORKER = "social_worker", _("Social worker")
    COORDINATOR = "coordinator", _("Volunteer coordinator")
    VIEWER = "viewer", _("Viewer")


# Who may do what. Services check these sets; templates only use them to hide
# buttons a user could not press anyway.
EDITORS = frozenset({Role.ADMIN, Role.SOCIAL_WORKER, Role.COORDINATOR})
STAFF = frozenset({Role.ADMIN, Role.SOCIAL_WORKER})
ADMINS = frozenset({Role.ADMIN})


class Station(TimeStamped, Archivable):
    """A community social work station: the unit every record belongs to."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    # Where the map opens when a station has no resources yet.
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("station")
        verbose_name_plural = _("stations")
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(Lower("name"), name="station_name_unique_ci")]

    def __str__(self) -> str:
        return self.name


class Membership(TimeStamped):
    """A user's role at a station. Ending a membership keeps the row (it is
    what history rows and audit entries point at) and sets ``ended_on``."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="memberships"
    )
    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    ended_on = models.DateTimeField(_("ended on"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                "user", "station", condition=models.Q(ended_on__isnull=True), name="membership_one_live_per_station"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.station} ({self.get_role_display()})"

    @property
    def is_active(self) -> bool:
        return self.ended_on is None


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only a SHA-256 of the key is stored;
    the key itself is shown once, when the token is created."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_on = models.DateTimeField(_("created on"), auto_now_add=True)
    last_used_on = models.DateTimeField(_("last used on"), null=True, blank=True)
    revoked_on = models.DateTimeField(_("revoked on"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_on"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()
