"""What the interop app keeps: a log of exports that carried personal data.

Why one row per export rather than a ``core.Reveal`` row per record and
field: an admin's export of 20,000 residents would write 100,000 reveal rows
and still not say why. One row says who, when, why, what and how many, which
is what a station must be able to answer.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportLog(models.Model):
    """An export of residents' personal data in full, with its reason. Append-only."""

    station = models.ForeignKey("accounts.Station", verbose_name=_("station"), on_delete=models.PROTECT,
                                related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT,
                             related_name="+")
    exported_on = models.DateTimeField(_("exported on"), auto_now_add=True, db_index=True)
    sheets = models.CharField(_("what"), max_length=100, help_text=_("households, residents, needs"))
    file_format = models.CharField(_("format"), max_length=10)
    fields = models.CharField(_("personal fields"), max_length=200)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    reason = models.CharField(_("reason"), max_length=300)

    class Meta:
        verbose_name = _("export of personal data")
        verbose_name_plural = _("exports of personal data")
        ordering = ["-exported_on", "-id"]
        constraints = [models.CheckConstraint(condition=~models.Q(reason=""), name="exportlog_reason_required")]

    def __str__(self) -> str:
        return f"{_('export')} #{self.pk}"
