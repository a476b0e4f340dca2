"""The store room: an item catalogue, stores, lots and the stock ledger.

Stock changes only by appending a `StockMove`. A lot's `on_hand` and
`reserved` are a cache of the sums of its moves, updated in the same
transaction as the move while the lot row is locked; database constraints
keep them from going below zero or reserving more than is on hand, and a
test checks the cache against the ledger.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from resourcelink.core.models import Archivable, StationOwned


class Item(StationOwned, Archivable):
    """A catalogue entry: what a lot holds (医用口罩, 50 只 a box)."""

    code = models.SlugField(_("code"), max_length=40)
    name_zh_hans = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    category = models.ForeignKey("taxonomy.Category", verbose_name=_("category"), on_delete=models.PROTECT,
                                 related_name="+")
    unit = models.CharField(_("unit"), max_length=20)
    pack_size = models.PositiveIntegerField(_("pack size"), default=1,
                                            help_text=_("How many units one pack holds (1 if sold singly)."))
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["code", "id"]
        constraints = [
            models.UniqueConstraint("station", "code", name="item_code_unique_per_station"),
            models.CheckConstraint(condition=models.Q(pack_size__gte=1), name="item_pack_size_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh_hans


class Store(StationOwned, Archivable):
    """A store room (仓库) where lots are kept."""

    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=300, blank=True)
    community = models.ForeignKey("communities.Community", verbose_name=_("community"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint("station", "name", name="store_name_unique_per_station")]

    def __str__(self) -> str:
        return self.name


class Lot(StationOwned):
    """What one donation line (or a found surplus) put in one store.

    `on_hand` and `reserved` are the ledger's sums, kept by the services.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="lots")
    store = models.ForeignKey(Store, verbose_name=_("store"), on_delete=models.PROTECT, related_name="lots")
    donation_line = models.ForeignKey("donations.DonationLine", verbose_name=_("donation line"), null=True,
                                      blank=True, on_delete=models.PROTECT, related_name="lots")
    # A lot moved to another store is a new lot there, pointing back here.
    source_lot = models.ForeignKey("self", verbose_name=_("moved from"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    unit_value = models.DecimalField(_("value per unit"), max_digits=12, decimal_places=2, null=True, blank=True)
    on_hand = models.IntegerField(_("on hand"), default=0, editable=False)
    reserved = models.IntegerField(_("reserved"), default=0, editable=False)

    class Meta:
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        ordering = ["expires_on", "id"]
        indexes = [
            models.Index(fields=["station", "item", "store"], name="lot_station_item_store"),
            models.Index(fields=["station", "expires_on"], name="lot_station_expiry"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(on_hand__gte=0), name="lot_on_hand_not_negative"),
            models.CheckConstraint(condition=models.Q(reserved__gte=0), name="lot_reserved_not_negative"),
            models.CheckConstraint(condition=models.Q(reserved__lte=models.F("on_hand")),
                                   name="lot_reserved_within_on_hand"),
        ]

    def __str__(self) -> str:
        return f"{_('lot')} #{self.pk}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class MoveKind(models.TextChoices):
    RECEIVE = "receive", _("received")
    RESERVE = "reserve", _("reserved")
    RELEASE = "release", _("released")
    ISSUE = "issue", _("issued")
    RETURN = "return", _("returned")
    TRANSFER_OUT = "transfer_out", _("transferred out")
    TRANSFER_IN = "transfer_in", _("transferred in")
    ADJUST = "adjust", _("adjusted")
    WRITE_OFF = "write_off", _("written off")


class StockMove(models.Model):
    """One change to a lot. Append-only: a mistake is corrected by another
    move, never by editing this one.

    `on_hand_delta` and `reserved_delta` say what the move did; an issue of
    reserved stock takes both down, an issue of free stock only on hand.
    """

    station = models.ForeignKey("accounts.Station", on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="moves")
    kind = models.CharField(_("kind"), max_length=12, choices=MoveKind.choices)
    on_hand_delta = models.IntegerField(_("change on hand"), default=0)
    reserved_delta = models.IntegerField(_("change reserved"), default=0)
    moved_on = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    moved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("why"), max_length=300, blank=True)
    # What the move is for: "plan_line:12", "stocktake:3", "donation_line:7"...
    reference = models.CharField(_("refers to"), max_length=60, blank=True, db_index=True)
    # The other half of a transfer.
    counterpart = models.ForeignKey("self", verbose_name=_("counterpart"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("stock move")
        verbose_name_plural = _("stock moves")
        ordering = ["moved_on", "id"]
        indexes = [models.Index(fields=["station", "lot", "id"], name="stockmove_station_lot"),
                   # The ledger filtered by a rare kind (transfers, receipts), newest first.
                   models.Index(fields=["station", "kind", "id"], name="stockmove_station_kind")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(on_hand_delta=0, reserved_delta=0),
                                   name="stockmove_changes_something"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.on_hand_delta:+d}/{self.reserved_delta:+d}"


class StocktakeStatus(models.TextChoices):
    OPEN = "open", _("open")
    CONFIRMED = "confirmed", _("confirmed")
    CANCELLED = "cancelled", _("cancelled")


class Stocktake(StationOwned):
    """A count sheet for one store (盘点): one line per lot that held stock
    when the sheet was made (``created_on``/``created_by``). Counted figures
    are entered line by line; an admin confirms the differences, which become
    ``adjust`` moves referring to ``stocktake:<id>``. At most one open
    stocktake per store."""

    store = models.ForeignKey(Store, verbose_name=_("store"), on_delete=models.PROTECT, related_name="stocktakes")
    status = models.CharField(_("status"), max_length=10, choices=StocktakeStatus.choices,
                              default=StocktakeStatus.OPEN)
    confirmed_on = models.DateTimeField(_("confirmed on"), null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("confirmed by"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="+")
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("stocktake")
        verbose_name_plural = _("stocktakes")
        ordering = ["-created_on", "-id"]
        constraints = [
            models.UniqueConstraint("store", condition=models.Q(status="open"),
                                    name="stocktake_one_open_per_store"),
        ]

    def __str__(self) -> str:
        return f"{_('stocktake')} #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status == StocktakeStatus.OPEN


class StocktakeLine(models.Model):
    """One lot on a count sheet: what the ledger said when the sheet was
    made (``expected``) and what was counted (``None`` until entered)."""

    stocktake = models.ForeignKey(Stocktake, verbose_name=_("stocktake"), on_delete=models.PROTECT,
                                  related_name="lines")
    lot = models.ForeignKey(Lot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="+")
    expected = models.IntegerField(_("expected"))
    counted = models.IntegerField(_("counted"), null=True, blank=True)
    counted_on = models.DateTimeField(_("counted on"), null=True, blank=True)
    counted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("counted by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("note"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("stocktake line")
        verbose_name_plural = _("stocktake lines")
        ordering = ["stocktake", "id"]
        constraints = [
            models.UniqueConstraint("stocktake", "lot", name="stocktakeline_one_per_lot"),
            models.CheckConstraint(condition=models.Q(counted__isnull=True) | models.Q(counted__gte=0),
                                   name="stocktakeline_counted_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.stocktake} · {self.lot}"
