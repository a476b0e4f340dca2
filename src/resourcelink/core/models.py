"""Abstract bases shared by every domain model."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStamped(models.Model):
    """When a row was created and last changed, and by whom.

    The full story of a row lives in its history table (django-simple-history);
    these columns make lists and sorting cheap without joining it.
    """

    created_on = models.DateTimeField(_("created on"), auto_now_add=True, db_index=True)
    updated_on = models.DateTimeField(_("updated on"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        abstract = True


class StationOwned(TimeStamped):
    """A record that belongs to one station and is only ever seen through it.

    PROTECT, because a station's records are kept even if the station is
    closed: stations are archived, never deleted.
    """

    station = models.ForeignKey(
        "accounts.Station", verbose_name=_("station"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True


class Archivable(models.Model):
    """Records are archived, never deleted, so links, history and reports that
    point at them stay whole. Lists hide archived rows by default."""

    archived_on = models.DateTimeField(_("archived on"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_archived(self) -> bool:
        return self.archived_on is not None


class Reveal(models.Model):
    """One showing of a masked value, such as a contact's full phone number.

    Append-only: a row is written each time a permitted user asks to see
    the value, so a station can always answer who saw whose number, when.
    """

    station = models.ForeignKey("accounts.Station", verbose_name=_("station"), on_delete=models.PROTECT,
                                related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT,
                             related_name="+")
    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    field = models.CharField(_("field"), max_length=50)
    revealed_on = models.DateTimeField(_("shown on"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("reveal")
        verbose_name_plural = _("reveals")
        ordering = ["-revealed_on", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="reveal_record")]
