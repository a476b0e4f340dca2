from django.core.validators import RegexValidator
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from resourcelink.core.models import StationOwned


class Category(StationOwned):
    """One node of the station's category tree, shared by resources and, later,
    needs, items and skills.

    ``code`` is stable: imports, exports and the API refer to categories by it,
    so a rename changes only the names. ``path`` holds the codes from the root
    down ("protection/protection.masks/") so that "this category and
    everything under it" is one indexed prefix match. Categories are retired,
    never deleted: old records keep pointing at them.
    """

    code = models.CharField(
        _("code"), max_length=64,
        validators=[RegexValidator(r"^[a-z0-9][a-z0-9._-]*$", _(
            "Use lower-case letters, digits, dots, hyphens and underscores, e.g. food.rice."))],
        help_text=_("A stable identifier used by imports, exports and the API; it cannot be changed later."),
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=500, editable=False, db_index=True)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    name_zh_hans = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    retired_on = models.DateTimeField(_("retired on"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["path"]
        constraints = [models.UniqueConstraint("station", "code", name="category_code_unique_per_station")]
        indexes = [models.Index(fields=["station", "path"], name="category_station_path")]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language, falling back to the other."""
        if (translation.get_language() or "").lower().startswith("zh"):
            return self.name_zh_hans or self.name_en
        return self.name_en or self.name_zh_hans

    @property
    def is_retired(self) -> bool:
        return self.retired_on is not None

    def compute_path(self) -> str:
        return (self.parent.path if self.parent_id else "") + self.code + "/"
