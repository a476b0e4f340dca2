"""Households, residents, their vulnerabilities and their consent.

Residents' data is sensitive personal information (DESIGN.md section 6).
Names, phones, ID numbers, addresses and full birth dates are masked
everywhere except on a record, where an admin or social worker may reveal one
field at a time; each reveal writes a `core.Reveal` row. ID numbers are kept
only encrypted (`id_number_encrypted`), with a keyed digest to find
duplicates and a masked copy to show.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from resourcelink.core.models import Archivable, StationOwned


class VulnerabilityTag(StationOwned, Archivable):
    """A vulnerability a resident may have (elderly living alone, disability...).

    Each station gets the default set on creation; admins add their own. The
    weight (0–10) feeds the allocation engine's vulnerability term.
    """

    code = models.SlugField(_("code"), max_length=40)
    name_zh_hans = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=5, help_text=_("0 to 10: how much this adds to a household's priority.")
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("vulnerability")
        verbose_name_plural = _("vulnerabilities")
        ordering = ["sort_order", "code", "id"]
        constraints = [
            models.UniqueConstraint("station", "code", name="vulnerability_code_unique_per_station"),
            models.CheckConstraint(condition=models.Q(weight__lte=10), name="vulnerability_weight_max_10"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh_hans


class Household(StationOwned, Archivable):
    """A household (户): an address where residents live together.

    `name` (usually the head's name, 张家) and `address` are personal data.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("household name"), max_length=100)
    address = models.CharField(_("address"), max_length=300)
    community = models.ForeignKey(
        "communities.Community", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(
        "communities.Grid", verbose_name=_("grid"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # Lower-cased address without spaces, to flag "similar name at the same address".
    address_key = models.CharField(max_length=300, editable=False, default="", db_index=True)
    import_key = models.CharField(max_length=64, editable=False, default="", db_index=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["community_id", "grid_id", "id"]
        indexes = [
            models.Index(fields=["station", "community", "grid"], name="household_station_area"),
            models.Index(fields=["station", "address_key"], name="household_station_address"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True) | models.Q(latitude__gte=-90, latitude__lte=90),
                name="household_latitude_range",
            ),
            models.CheckConstraint(
                condition=models.Q(longitude__isnull=True) | models.Q(longitude__gte=-180, longitude__lte=180),
                name="household_longitude_range",
            ),
        ]

    def __str__(self) -> str:
        # Never the name: __str__ ends up in logs, history and messages.
        return f"{_('household')} #{self.pk}"


class Gender(models.TextChoices):
    FEMALE = "female", _("female")
    MALE = "male", _("male")
    OTHER = "other", _("other")
    UNKNOWN = "unknown", _("not recorded")


class Relation(models.TextChoices):
    HEAD = "head", _("head of household")
    SPOUSE = "spouse", _("spouse")
    CHILD = "child", _("child")
    PARENT = "parent", _("parent")
    GRANDCHILD = "grandchild", _("grandchild")
    GRANDPARENT = "grandparent", _("grandparent")
    SIBLING = "sibling", _("sibling")
    RELATIVE = "relative", _("other relative")
    OTHER = "other", _("other")


class Resident(StationOwned, Archivable):
    """A person in a household. Every personal field is masked outside a
    record page and revealed field by field, logged."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="residents"
    )
    name = models.CharField(_("name"), max_length=100)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, default=Gender.UNKNOWN)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    id_number_encrypted = models.TextField(editable=False, blank=True, default="")
    # HMAC of the normalised ID number: finds duplicates without decrypting.
    id_number_digest = models.CharField(max_length=64, editable=False, blank=True, default="", db_index=True)
    id_number_masked = models.CharField(_("ID number"), max_length=20, editable=False, blank=True, default="")
    relation = models.CharField(_("relation"), max_length=12, choices=Relation.choices, default=Relation.HEAD)
    tags = models.ManyToManyField(VulnerabilityTag, verbose_name=_("vulnerabilities"), blank=True,
                                  related_name="residents")
    notes = models.TextField(_("notes"), blank=True)
    # Normalised name (no spaces, lower case) for duplicate checks.
    name_key = models.CharField(max_length=100, editable=False, default="", db_index=True)
    merged_into = models.ForeignKey(
        "self", verbose_name=_("merged into"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    import_key = models.CharField(max_length=64, editable=False, default="", db_index=True)

    history = HistoricalRecords(m2m_fields=[tags])

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["household_id", "id"]
        indexes = [
            models.Index(fields=["station", "id_number_digest"], name="resident_station_id_digest"),
            models.Index(fields=["station", "name_key", "phone"], name="resident_station_name_phone"),
        ]
        constraints = [
            # One live record per ID number and station. Archived residents
            # still count (the service refuses their number too); a merged
            # resident does not: its number either moved to the resident kept
            # or is the same number as that one's.
            models.UniqueConstraint(
                "station", "id_number_digest",
                condition=~models.Q(id_number_digest="") & models.Q(merged_into__isnull=True),
                name="resident_id_number_unique_per_station",
                violation_error_message=_("A resident with this ID number is already registered."),
            ),
        ]

    def __str__(self) -> str:
        return f"{_('resident')} #{self.pk}"


class ConsentScope(models.TextChoices):
    RECORD = "record", _("recording their details")
    SHARE = "share", _("sharing their details with a named organisation")
    PUBLISH = "publish", _("publishing an anonymised wish")


class ConsentMethod(models.TextChoices):
    SIGNED = "signed", _("signed form")
    VERBAL = "verbal", _("verbal, witnessed")
    ONLINE = "online", _("online form")
    GUARDIAN = "guardian", _("by a guardian")


class Consent(StationOwned):
    """What a resident agreed to, when, and who recorded it.

    Withdrawing keeps the row: `withdrawn_on` is set, so the station can show
    what was allowed at any moment.
    """

    resident = models.ForeignKey(Resident, verbose_name=_("resident"), on_delete=models.PROTECT,
                                 related_name="consents")
    scope = models.CharField(_("agreed to"), max_length=10, choices=ConsentScope.choices)
    organization = models.ForeignKey(
        "directory.Organization", verbose_name=_("organisation"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
        help_text=_("For sharing: the organisation the resident agreed to share with."),
    )
    given_by = models.CharField(_("agreed by"), max_length=100,
                                help_text=_("The resident, or the guardian who agreed for them."))
    method = models.CharField(_("how"), max_length=10, choices=ConsentMethod.choices, default=ConsentMethod.SIGNED)
    given_on = models.DateField(_("agreed on"))
    withdrawn_on = models.DateTimeField(_("withdrawn on"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("withdrawal recorded by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    withdrawal_reason = models.CharField(_("reason for withdrawal"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_on", "-id"]
        indexes = [models.Index(fields=["resident", "scope"], name="consent_resident_scope")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(scope="share") | models.Q(organization__isnull=False),
                name="consent_share_names_organization",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} ({self.given_on})"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_on is None


class DuplicateReason(models.TextChoices):
    ID_NUMBER = "id_number", _("same ID number")
    NAME_PHONE = "name_phone", _("same name and phone")
    NAME_ADDRESS = "name_address", _("similar name at the same address")


class DuplicateCandidate(StationOwned):
    """A pair of residents flagged as likely the same person, for review.

    Resolved by merging (the second is merged into the first) or dismissing;
    the row stays as the record of that decision.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("to review")
        MERGED = "merged", _("merged")
        DISMISSED = "dismissed", _("not the same person")

    resident = models.ForeignKey(Resident, verbose_name=_("resident"), on_delete=models.PROTECT, related_name="+")
    duplicate = models.ForeignKey(Resident, verbose_name=_("likely duplicate"), on_delete=models.PROTECT,
                                  related_name="+")
    reason = models.CharField(_("reason"), max_length=15, choices=DuplicateReason.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    resolved_on = models.DateTimeField(_("resolved on"), null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("resolved by"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("likely duplicate")
        verbose_name_plural = _("likely duplicates")
        ordering = ["-created_on", "-id"]
        indexes = [models.Index(fields=["station", "status"], name="duplicate_station_status")]
        constraints = [
            models.UniqueConstraint("resident", "duplicate", "reason", name="duplicate_pair_reason_unique"),
            models.CheckConstraint(condition=~models.Q(resident=models.F("duplicate")), name="duplicate_not_self"),
        ]

    def __str__(self) -> str:
        return f"#{self.resident_id} ~ #{self.duplicate_id}"
