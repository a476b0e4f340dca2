"""The community resource directory, aligned with Open Referral HSDS 3.

``Organization``, ``Service``, ``Location`` and ``Contact`` follow the HSDS
core tables of the same names (field names kept where they mean the same), so
an HSDS export is a mapping. ``Resource`` is ResourceLink's own index: one row
for everything that can meet a need, whatever its kind, with the fields a
social worker filters and maps by. A resource may point at the organisation,
service and location it stands for.
"""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from resourcelink.core.models import Archivable, StationOwned
from resourcelink.core.privacy import mask_phone


class Organization(StationOwned, Archivable):
    """HSDS organization: an association, business, public body or group."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    alternate_name = models.CharField(_("other name"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    legal_status = models.CharField(_("legal status"), max_length=100, blank=True)
    is_formal = models.BooleanField(_("formal"), default=True)
    is_internal = models.BooleanField(_("inside the community"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["station", "name"], name="org_station_name")]

    def __str__(self) -> str:
        return self.name


class Location(StationOwned, Archivable):
    """HSDS location: a physical place where services are delivered."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="locations",
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Service(StationOwned, Archivable):
    """HSDS service: what an organisation offers."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        INACTIVE = "inactive", _("Inactive")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="services"
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    eligibility_description = models.TextField(_("eligibility"), blank=True)
    capacity = models.DecimalField(_("capacity"), max_digits=12, decimal_places=2, null=True, blank=True)
    capacity_unit = models.CharField(_("unit"), max_length=30, blank=True)
    schedule = models.CharField(_("opening times"), max_length=300, blank=True)
    categories = models.ManyToManyField("taxonomy.Category", verbose_name=_("categories"), blank=True, related_name="+")
    locations = models.ManyToManyField(Location, verbose_name=_("locations"), blank=True, related_name="services")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Contact(StationOwned, Archivable):
    """HSDS contact (with its phone folded in): a person to call."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="contacts",
    )
    service = models.ForeignKey(
        Service, verbose_name=_("service"), null=True, blank=True, on_delete=models.PROTECT, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("title"), max_length=100, blank=True)
    department = models.CharField(_("department"), max_length=100, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class ResourceKind(models.TextChoices):
    PERSON = "person", _("Person or talent")
    ORGANIZATION = "organization", _("Organisation")
    BUSINESS = "business", _("Business")
    VENUE = "venue", _("Venue or space")
    MATERIAL = "material", _("Material")
    MONEY = "money", _("Money")
    CULTURE = "culture", _("Culture or scenery")
    INFORMATION = "information", _("Information")


# One colour per kind, used by the map, its legend and the dashboard. Chosen
# to stay distinguishable for the common colour-vision deficiencies.
KIND_COLOURS = {
    ResourceKind.PERSON: "#e6194b",
    ResourceKind.ORGANIZATION: "#4363d8",
    ResourceKind.BUSINESS: "#f58231",
    ResourceKind.VENUE: "#911eb4",
    ResourceKind.MATERIAL: "#3cb44b",
    ResourceKind.MONEY: "#b8860b",
    ResourceKind.CULTURE: "#008080",
    ResourceKind.INFORMATION: "#808080",
}


class ResourceSource(models.TextChoices):
    WALK = "walk", _("Community walk")
    INTERVIEW = "interview", _("Interview")
    DONOR_OFFER = "donor_offer", _("Donor offer")
    REFERRAL = "referral", _("Referral")
    IMPORT = "import", _("Import")


class ResourceStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")
    ARCHIVED = "archived", _("Archived")


class Resource(StationOwned):
    """Anything that can meet a need: a person's talent, an association, a
    shop, a hall, a pile of masks, a fund, a scenic spot, a notice.

    Archiving is a status, not a deletion: links and history keep pointing at
    an archived resource.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ResourceKind.choices)
    categories = models.ManyToManyField(
        "taxonomy.Category", verbose_name=_("categories"), blank=True, related_name="resources"
    )
    is_formal = models.BooleanField(_("formal"), default=True)
    is_internal = models.BooleanField(_("inside the community"), default=True)
    community = models.ForeignKey(
        "communities.Community", verbose_name=_("community"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="resources",
    )
    grid = models.ForeignKey(
        "communities.Grid", verbose_name=_("grid"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="resources",
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    quantity = models.DecimalField(_("quantity or capacity"), max_digits=14, decimal_places=2, null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    availability = models.CharField(_("availability"), max_length=300, blank=True)
    eligibility = models.TextField(_("eligibility"), blank=True)
    # Structured eligibility the matching engine enforces; the text above
    # explains it to people. Empty: anyone may be linked.
    eligible_tags = models.ManyToManyField(
        "people.VulnerabilityTag", verbose_name=_("only for"), blank=True, related_name="+",
        help_text=_("Only households with one of these vulnerabilities may be linked. Leave empty for anyone."),
    )
    source = models.CharField(_("source"), max_length=20, choices=ResourceSource.choices, default=ResourceSource.WALK)
    source_date = models.DateField(_("source date"), null=True, blank=True)
    last_verified_on = models.DateField(_("last verified"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ResourceStatus.choices, default=ResourceStatus.ACTIVE)
    tags = models.CharField(_("tags"), max_length=300, blank=True, help_text=_("Separate tags with commas."))
    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="resources",
    )
    service = models.ForeignKey(
        Service, verbose_name=_("service"), null=True, blank=True, on_delete=models.PROTECT, related_name="resources"
    )
    # Lower-cased text of every searchable field, rebuilt by the services on
    # each write, so a search is one indexed-table LIKE on both databases and
    # matches Chinese by substring (珠宝 finds 珠宝协会) without a tokenizer.
    search_text = models.TextField(editable=False, default="")
    # Identity of a resource in a spreadsheet without a uuid column: name,
    # address and community, normalised. Re-importing a file updates these
    # rows instead of adding duplicates.
    import_key = models.CharField(max_length=64, editable=False, db_index=True, default="")

    history = HistoricalRecords(m2m_fields=[categories, eligible_tags])

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["station", "name", "id"], name="resource_station_name"),
            # PostgreSQL answers the suggestions' candidate query from the
            # index alone (30 -> 14 ms at 50,000 resources); SQLite ignores
            # the included columns.
            models.Index(fields=["station", "status"], name="resource_station_status",
                         include=["id", "latitude", "longitude", "quantity", "last_verified_on"]),
            models.Index(fields=["station", "kind"], name="resource_station_kind"),
            models.Index(fields=["station", "grid"], name="resource_station_grid"),
            models.Index(fields=["station", "last_verified_on"], name="resource_station_verified"),
            models.Index(fields=["station", "latitude", "longitude"], name="resource_station_latlon"),
            models.Index(fields=["station", "import_key"], name="resource_station_import_key"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True) | models.Q(latitude__gte=-90, latitude__lte=90),
                name="resource_latitude_range",
            ),
            models.CheckConstraint(
                condition=models.Q(longitude__isnull=True) | models.Q(longitude__gte=-180, longitude__lte=180),
                name="resource_longitude_range",
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__isnull=True) | models.Q(quantity__gte=0),
                name="resource_quantity_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.contact_phone)

    @property
    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.tags.split(",") if t.strip()]

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    def build_search_text(self, extra: str = "") -> str:
        parts = [self.name, self.description, self.tags, self.address, self.contact_name, self.eligibility,
                 self.availability, extra]
        return " ".join(p for p in parts if p).lower()
