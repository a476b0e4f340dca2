"""Forms of the store room's pages. They parse and present input; the
services check roles, stations and stock, and write."""

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from resourcelink.communities.models import Community
from resourcelink.core.widgets import RecordChoiceField
from resourcelink.taxonomy.models import Category
from resourcelink.taxonomy.selectors import category_choices

from . import selectors
from .models import Item, MoveKind, Store

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
EXPIRY_CHOICES = [
    ("", _("Any expiry")),
    ("warning", _("Expired or expiring soon")),
    ("expired", _("Expired")),
    ("expiring", _("Expiring soon")),
]
REASON_HELP = _("Kept in the ledger with the move.")


def _category_or_none(station, pk):
    return Category.objects.filter(station=station, pk=pk).first() if pk else None


def _store_choices(station):
    return selectors.live_stores(station).values_list("pk", "name")


def _item_choices(station):
    return [(pk, f"{code} · {name_en if _english() else name_zh}") for pk, code, name_zh, name_en in
            Item.objects.filter(station=station).order_by("code", "id").values_list("pk", "code", "name_zh_hans",
                                                                                     "name_en")]


def _english() -> bool:
    from django.utils.translation import get_language

    return (get_language() or "").startswith("en")


# --- catalogue and stores -------------------------------------------------------------------------


class ItemFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Code or name")}))
    category = RecordChoiceField(label=_("Category"), empty_label=_("Any category"))
    archived = forms.BooleanField(label=_("Show archived items"), required=False)

    def __init__(self, data=None, *, station, **kwargs):
        super().__init__(data, **kwargs)
        self.station = station
        self.fields["category"].set_choices(category_choices(station))

    def selected_category(self):
        return _category_or_none(self.station, self.cleaned_data.get("category"))


class ItemForm(forms.ModelForm):
    """Add or edit a catalogue item. The category is one of the station's
    live categories (an item keeps a category retired since)."""

    category = forms.TypedChoiceField(label=_("Category"), coerce=int)
    pack_size = forms.IntegerField(label=capfirst(Item._meta.get_field("pack_size").verbose_name), min_value=1,
                                   initial=1, help_text=Item._meta.get_field("pack_size").help_text)
    reason = forms.CharField(label=_("Reason for the change"), required=False, max_length=300)

    class Meta:
        model = Item
        fields = ["code", "name_zh_hans", "name_en", "category", "unit", "pack_size", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, station, edit: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.station = station
        choices = list(category_choices(station))
        current = self.instance.category if self.instance.pk else None
        if current is not None and current.pk not in {pk for pk, _label in choices}:
            choices.append((current.pk, f"{current.name} ({_('retired')})"))
        self.fields["category"].choices = [("", "—"), *choices]
        if self.instance.pk and not self.is_bound:
            self.initial["category"] = self.instance.category_id
        if not edit:
            del self.fields["reason"]

    def clean_category(self):
        category = _category_or_none(self.station, self.cleaned_data.get("category"))
        if category is None:
            raise forms.ValidationError(_("Choose one of this station's categories."))
        return category

    def validate_unique(self):
        """The service checks the code against the station's other items."""

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields}


class StoreForm(forms.ModelForm):
    community = forms.TypedChoiceField(label=_("Community"), coerce=int, required=False, empty_value=None)
    reason = forms.CharField(label=_("Reason for the change"), required=False, max_length=300)

    class Meta:
        model = Store
        fields = ["name", "address", "community", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, station, edit: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.station = station
        communities = Community.objects.filter(station=station, archived_on__isnull=True).order_by("name", "id")
        self.fields["community"].choices = [("", _("None")), *communities.values_list("pk", "name")]
        if self.instance.pk and not self.is_bound:
            self.initial["community"] = self.instance.community_id
        if not edit:
            del self.fields["reason"]

    def clean_community(self):
        pk = self.cleaned_data.get("community")
        if pk is None:
            return None
        community = Community.objects.filter(station=self.station, pk=pk).first()
        if community is None:
            raise forms.ValidationError(_("Choose one of this station's communities."))
        return community

    def validate_unique(self):
        """The service checks the name against the station's other stores."""

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields}


class ArchiveForm(forms.Form):
    reason = forms.CharField(label=_("Why"), required=False, max_length=300)


class ItemImportForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet"),
        help_text=_("An .xlsx or .csv file with one item per row, headers in Chinese or English."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    dry_run = forms.BooleanField(label=_("Only check the file, import nothing"), required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("Upload an .xlsx or .csv file."))
        return upload


# --- stock and lots -------------------------------------------------------------------------------


class StockFilterForm(forms.Form):
    """The stock page's (and the stock report's) filters."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Code or name")}))
    store = RecordChoiceField(label=_("Store"), empty_label=_("All stores"))
    category = RecordChoiceField(label=_("Category"), empty_label=_("Any category"))
    expiry = forms.ChoiceField(label=_("Expiry"), required=False, choices=EXPIRY_CHOICES)
    empty = forms.BooleanField(label=_("Include items out of stock"), required=False)

    def __init__(self, data=None, *, station, **kwargs):
        super().__init__(data, **kwargs)
        self.station = station
        self.fields["store"].set_choices(_store_choices(station))
        self.fields["category"].set_choices(category_choices(station))

    def summary_kwargs(self) -> dict:
        d = self.cleaned_data
        store = Store.objects.filter(station=self.station, pk=d["store"]).first() if d.get("store") else None
        return {"store": store, "category": _category_or_none(self.station, d.get("category")),
                "search": d.get("q") or "", "include_empty": bool(d.get("empty"))}


class LotFilterForm(forms.Form):
    item = RecordChoiceField(label=_("Item"), empty_label=_("Any item"))
    store = RecordChoiceField(label=_("Store"), empty_label=_("All stores"))
    expiry = forms.ChoiceField(label=_("Expiry"), required=False, choices=EXPIRY_CHOICES)
    empty = forms.BooleanField(label=_("Include empty lots"), required=False)

    def __init__(self, data=None, *, station, **kwargs):
        super().__init__(data, **kwargs)
        self.station = station
        self.fields["item"].set_choices(_item_choices(station))
        self.fields["store"].set_choices(_store_choices(station))

    def lots_kwargs(self) -> dict:
        d = self.cleaned_data
        return {"item": d.get("item"), "store": d.get("store"), "expiry": d.get("expiry") or "",
                "include_empty": bool(d.get("empty"))}


class LedgerFilterForm(forms.Form):
    """The station ledger's (and its export's) filters."""

    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Any kind")), *MoveKind.choices])
    store = RecordChoiceField(label=_("Store"), empty_label=_("All stores"))
    item = RecordChoiceField(label=_("Item"), empty_label=_("Any item"))
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE_INPUT)
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE_INPUT)

    def __init__(self, data=None, *, station, **kwargs):
        super().__init__(data, **kwargs)
        self.station = station
        self.fields["store"].set_choices(Store.objects.filter(station=station).order_by("name", "id")
                                         .values_list("pk", "name"))
        self.fields["item"].set_choices(_item_choices(station))

    def clean(self):
        d = super().clean()
        if d.get("date_from") and d.get("date_to") and d["date_from"] > d["date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return d

    def to_filter(self) -> selectors.MoveFilter:
        d = self.cleaned_data
        return selectors.MoveFilter(
            kind=d.get("kind") or "",
            store=Store.objects.filter(station=self.station, pk=d["store"]).first() if d.get("store") else None,
            item=Item.objects.filter(station=self.station, pk=d["item"]).first() if d.get("item") else None,
            date_from=d.get("date_from"), date_to=d.get("date_to"),
        )


class QuantityReasonForm(forms.Form):
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1)
    reason = forms.CharField(label=_("Why"), max_length=300, help_text=REASON_HELP)


class TransferForm(QuantityReasonForm):
    to_store = forms.TypedChoiceField(label=_("To store"), coerce=int)

    field_order = ["to_store", "quantity", "reason"]

    def __init__(self, *args, lot, **kwargs):
        super().__init__(*args, **kwargs)
        self.lot = lot
        self.fields["reason"].required = False
        stores = selectors.live_stores(lot.station_id).exclude(pk=lot.store_id)
        self.fields["to_store"].choices = [("", "—"), *stores.values_list("pk", "name")]

    def clean_to_store(self):
        store = Store.objects.filter(station_id=self.lot.station_id, pk=self.cleaned_data.get("to_store")).first()
        if store is None:
            raise forms.ValidationError(_("Choose another store of this station."))
        return store


class AdjustForm(forms.Form):
    delta = forms.IntegerField(label=_("Change on hand"),
                               help_text=_("Positive to add units found, negative to take units out."))
    reason = forms.CharField(label=_("Why"), max_length=300, help_text=REASON_HELP)

    def clean_delta(self):
        delta = self.cleaned_data["delta"]
        if delta == 0:
            raise forms.ValidationError(_("Enter a whole number other than zero."))
        return delta


class ReturnForm(QuantityReasonForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = False


# --- stocktakes -----------------------------------------------------------------------------------


class StocktakeOpenForm(forms.Form):
    store = forms.TypedChoiceField(label=_("Store"), coerce=int)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=1000)

    def __init__(self, *args, station, **kwargs):
        super().__init__(*args, **kwargs)
        self.station = station
        self.fields["store"].choices = [("", "—"), *_store_choices(station)]

    def clean_store(self):
        store = Store.objects.filter(station=self.station, pk=self.cleaned_data.get("store")).first()
        if store is None:
            raise forms.ValidationError(_("Choose one of this station's stores."))
        return store


class StocktakeFilterForm(forms.Form):
    store = RecordChoiceField(label=_("Store"), empty_label=_("All stores"))

    def __init__(self, data=None, *, station, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["store"].set_choices(Store.objects.filter(station=station).order_by("name", "id")
                                         .values_list("pk", "name"))


class StocktakeCountForm(forms.Form):
    """One counted figure and note per line of the sheet (``counted-<line
    id>``, ``note-<line id>``). A blank count leaves the line as it is."""

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            self.fields[f"counted-{line.pk}"] = forms.IntegerField(
                label=_("Counted"), required=False, min_value=0, initial=line.counted,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}))
            self.fields[f"note-{line.pk}"] = forms.CharField(label=_("Note"), required=False, max_length=300,
                                                             initial=line.note)

    def rows(self):
        """(line, counted field, note field) per line, for the template."""
        return [(line, self[f"counted-{line.pk}"], self[f"note-{line.pk}"]) for line in self.lines]

    def changed_lines(self):
        """(line, counted, note) for the lines given a count that differs
        from what is recorded."""
        out = []
        for line in self.lines:
            counted = self.cleaned_data.get(f"counted-{line.pk}")
            note = (self.cleaned_data.get(f"note-{line.pk}") or "").strip()
            if counted is None:
                continue
            if counted != line.counted or note != line.note:
                out.append((line, counted, note))
        return out


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Why"), max_length=300)
