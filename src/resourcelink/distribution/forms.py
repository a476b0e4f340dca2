"""Forms of the distribution pages. They parse and present input (records
are offered from the plan's own station only); services.py checks roles,
plan status and stock, and saves."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from resourcelink.communities.models import Community
from resourcelink.core.privacy import mask_name
from resourcelink.fund.models import FundAccount
from resourcelink.inventory.models import Item, Lot, Store
from resourcelink.people.models import Resident, VulnerabilityTag

from .models import AllowanceBasis, PlanStatus, SurplusKind
from .services import MAX_TIERS

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
REASON_MAX = 300


def _names(rows) -> str:
    return ", ".join(str(r) for r in rows)


def restriction_words(donation) -> str:
    """A donor's restrictions as one sentence ("Only for: elderly living
    alone; only in: 湖滨社区; to be used by 2025-06-30"), empty for none.
    Reads the prefetched relations when the caller prefetched them."""
    if donation is None:
        return ""
    parts = []
    tags = list(donation.target_tags.all())
    if tags:
        parts.append(gettext("only for: %(groups)s") % {"groups": _names(tags)})
    communities = list(donation.communities.all())
    if communities:
        parts.append(gettext("only in: %(communities)s") % {"communities": _names(c.name for c in communities)})
    categories = list(donation.categories.all())
    if categories:
        parts.append(gettext("only for needs in: %(categories)s") % {"categories": _names(c.name for c in categories)})
    if donation.use_by:
        parts.append(gettext("to be used by %(date)s") % {"date": donation.use_by.isoformat()})
    if donation.restriction_note:
        parts.append(gettext("the donor's wishes: %(note)s") % {"note": donation.restriction_note})
    text = "; ".join(parts)
    return text[:1].upper() + text[1:]


def lot_label(lot: Lot) -> str:
    donation = lot.donation_line.donation if lot.donation_line_id else None
    text = gettext("%(item)s · %(store)s · lot #%(lot)s · %(available)s %(unit)s available") % {
        "item": lot.item.name, "store": lot.store.name, "lot": lot.pk, "available": lot.available,
        "unit": lot.item.unit}
    text += " · " + (gettext("expires %(date)s") % {"date": lot.expires_on.isoformat()} if lot.expires_on
                     else gettext("no expiry date"))
    words = restriction_words(donation)
    return f"{text} · {words}" if words else text


def account_label(account: FundAccount) -> str:
    text = gettext("%(name)s · ¥%(available)s available") % {
        "name": account.name, "available": formats.number_format(account.available, 2, force_grouping=True)}
    words = restriction_words(account.donation) or gettext("no restriction")
    return f"{text} · {words}"


class LotChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return lot_label(obj)


class AccountChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return account_label(obj)


class ItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.unit})"


def source_lots(station):
    """The station's lots with something available, sooner-expiring first,
    with what their labels read prefetched."""
    return (Lot.objects.filter(station=station, on_hand__gt=F("reserved"))
            .select_related("item", "store", "donation_line__donation")
            .prefetch_related("donation_line__donation__target_tags", "donation_line__donation__communities",
                              "donation_line__donation__categories")
            .order_by("expires_on", "id"))


def source_accounts(station):
    return (FundAccount.objects.filter(station=station)
            .select_related("donation")
            .prefetch_related("donation__target_tags", "donation__communities", "donation__categories")
            .order_by("donation_id", "id"))


def live_tags(station):
    return VulnerabilityTag.objects.filter(station=station, archived_on__isnull=True).order_by("sort_order", "id")


# --- Plans ---------------------------------------------------------------------------------


class PlanFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status")), *PlanStatus.choices])


class PlanForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    distribute_on = forms.DateField(label=_("Distribution date"), widget=DATE_INPUT,
                                    help_text=_("Lots that expire before this day and gifts to be used before "
                                                "it are left out."))
    description = forms.CharField(label=_("Description"), required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    communities = forms.ModelMultipleChoiceField(
        label=_("Only in these communities"), required=False, queryset=Community.objects.none(),
        widget=forms.CheckboxSelectMultiple, help_text=_("Leave empty for every community of the station."))
    whole_allowances = forms.BooleanField(
        label=_("Whole allowances only"), required=False, initial=True,
        help_text=_("A recipient gets an allowance in full or not at all (no part-filled lines)."))
    reason = forms.CharField(label=_("Reason for the change"), required=False, max_length=REASON_MAX)

    def __init__(self, *args, station, edit: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["communities"].queryset = Community.objects.filter(
            station=station, archived_on__isnull=True).order_by("name", "id")
        if not edit:
            del self.fields["reason"]

    def service_fields(self) -> dict:
        d = self.cleaned_data
        return {"name": d["name"].strip(), "distribute_on": d["distribute_on"], "description": d["description"],
                "communities": list(d["communities"]), "whole_allowances": d["whole_allowances"]}


class LotSourceForm(forms.Form):
    lot = LotChoiceField(label=_("Lot"), queryset=Lot.objects.none(), empty_label="—")
    quantity = forms.IntegerField(label=_("At most (units)"), required=False, min_value=1,
                                  help_text=_("Leave empty to let the plan use all that is available."))

    def __init__(self, *args, station, **kwargs):
        kwargs.setdefault("auto_id", "id_lot_%s")  # several setup forms share one page
        super().__init__(*args, **kwargs)
        self.fields["lot"].queryset = source_lots(station)


class FundSourceForm(forms.Form):
    fund_account = AccountChoiceField(label=_("Fund account"), queryset=FundAccount.objects.none(),
                                      empty_label="—")
    amount = forms.DecimalField(label=_("At most (yuan)"), required=False, min_value=Decimal("0.01"),
                                max_digits=14, decimal_places=2,
                                help_text=_("Leave empty to let the plan use all that is available."))

    def __init__(self, *args, station, **kwargs):
        kwargs.setdefault("auto_id", "id_fund_%s")  # several setup forms share one page
        super().__init__(*args, **kwargs)
        self.fields["fund_account"].queryset = source_accounts(station)


class TierForm(forms.Form):
    rank = forms.IntegerField(label=_("Tier"), min_value=1, max_value=MAX_TIERS,
                              help_text=_("Tier 1 is served first, then tier 2, and so on."))
    tags = forms.ModelMultipleChoiceField(label=_("Groups"), required=False, queryset=VulnerabilityTag.objects.none(),
                                          widget=forms.CheckboxSelectMultiple)
    households = forms.TypedMultipleChoiceField(label=_("Chosen households"), required=False, coerce=int,
                                                widget=forms.MultipleHiddenInput)

    def __init__(self, *args, station, **kwargs):
        kwargs.setdefault("auto_id", "id_tier_%s")  # several setup forms share one page
        super().__init__(*args, **kwargs)
        self.station = station
        self.fields["tags"].queryset = live_tags(station)
        # Any number is accepted here; clean_households keeps the station's own.
        self.fields["households"].valid_value = lambda value: str(value).isdigit()

    def clean_households(self):
        from resourcelink.people.models import Household

        ids = self.cleaned_data.get("households") or []
        found = list(Household.objects.filter(station=self.station, archived_on__isnull=True, pk__in=ids))
        if len(found) != len(set(ids)):
            raise ValidationError(_("Choose households of this station."))
        return found

    def clean(self):
        d = super().clean()
        if not self.errors and not d.get("tags") and not d.get("households"):
            raise ValidationError(_("Choose at least one group or one household for the tier."))
        return d


class AllowanceForm(forms.Form):
    item = ItemChoiceField(label=_("Item"), required=False, queryset=Item.objects.none(),
                           empty_label=_("Money (yuan)"), help_text=_("Leave on “Money” for a cash allowance."))
    quantity = forms.IntegerField(label=_("Quantity"), required=False, min_value=1)
    amount = forms.DecimalField(label=_("Amount (yuan)"), required=False, min_value=Decimal("0.01"),
                                max_digits=12, decimal_places=2)
    basis = forms.ChoiceField(label=_("Per"), choices=AllowanceBasis.choices, initial=AllowanceBasis.HOUSEHOLD)
    tag = forms.ModelChoiceField(label=_("Only for"), required=False, queryset=VulnerabilityTag.objects.none(),
                                 empty_label=_("Everyone in the plan's groups"),
                                 help_text=_("Only households with such a resident get it; per person counts "
                                             "only them."))

    def __init__(self, *args, station, **kwargs):
        kwargs.setdefault("auto_id", "id_allowance_%s")  # several setup forms share one page
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = Item.objects.filter(station=station, archived_on__isnull=True).order_by(
            "code", "id")
        self.fields["tag"].queryset = live_tags(station)

    def clean(self):
        d = super().clean()
        if self.errors:
            return d
        if d.get("item"):
            if not d.get("quantity"):
                self.add_error("quantity", _("Say how many units each recipient gets."))
            if d.get("amount") is not None:
                self.add_error("amount", _("An item allowance has a quantity, not an amount."))
        else:
            if d.get("amount") is None:
                self.add_error("amount", _("Say how much money each recipient gets, or choose an item."))
            if d.get("quantity") is not None:
                self.add_error("quantity", _("A money allowance has an amount, not a quantity."))
        return d

    def service_fields(self) -> dict:
        d = self.cleaned_data
        if d["item"]:
            return {"item": d["item"], "quantity": d["quantity"], "basis": d["basis"], "tag": d["tag"]}
        return {"amount": d["amount"], "basis": d["basis"], "tag": d["tag"]}


# --- Lines and status ------------------------------------------------------------------


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Why"), required=False, max_length=REASON_MAX)

    def __init__(self, *args, required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required
        if required:
            self.fields["reason"].error_messages["required"] = _("Say why: the reason is kept in the history.")

    @property
    def reason_text(self) -> str:
        return self.cleaned_data.get("reason", "").strip()


class LineEditForm(forms.Form):
    """One field per portion of the line (units of a lot or yuan of an
    account; 0 drops it) and the reason, which is required."""

    reason = forms.CharField(label=_("Why change this line"), max_length=REASON_MAX,
                             error_messages={"required": _("Say why: the reason is kept with the line.")})

    def __init__(self, *args, portions, **kwargs):
        super().__init__(*args, **kwargs)
        self.portions = list(portions)
        for portion in self.portions:
            if portion.lot_id:
                field = forms.IntegerField(min_value=0, required=False, label=gettext("%(item)s from lot #%(lot)s") % {
                    "item": portion.lot.item.name, "lot": portion.lot_id})
                field.initial = portion.quantity
            else:
                field = forms.DecimalField(min_value=Decimal("0"), max_digits=14, decimal_places=2, required=False,
                                           label=gettext("yuan from %(account)s") % {
                                               "account": portion.fund_account.name})
                field.initial = portion.amount
            field.help_text = gettext("0 takes it off the line.")
            self.fields[f"portion_{portion.pk}"] = field
        self.order_fields([f"portion_{p.pk}" for p in self.portions] + ["reason"])

    def quantities(self) -> dict:
        """``{portion id: new quantity or amount}`` for the portions changed
        (a field left empty keeps its portion as it is)."""
        changed = {}
        for portion in self.portions:
            value = self.cleaned_data[f"portion_{portion.pk}"]
            current = portion.quantity if portion.lot_id else portion.amount
            if value is not None and value != current:
                changed[portion.pk] = value
        return changed


class HandoverForm(forms.Form):
    collected_by = forms.CharField(label=_("Collected by"), required=False, max_length=100,
                                   help_text=_("Leave empty if the household collected it itself."))
    note = forms.CharField(label=_("Note"), required=False, max_length=REASON_MAX)


class BulkHandoverForm(forms.Form):
    lines = forms.TypedMultipleChoiceField(label=_("Lines"), required=False, coerce=int,
                                           widget=forms.CheckboxSelectMultiple)
    all_planned = forms.BooleanField(label=_("All planned lines of this grid"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=REASON_MAX)

    def __init__(self, *args, line_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lines"].choices = [(pk, pk) for pk in line_ids]
        self.line_ids = list(line_ids)

    def clean(self):
        d = super().clean()
        if not self.errors and not d.get("all_planned") and not d.get("lines"):
            raise ValidationError(_("Tick the lines that were handed over, or “all planned lines of this grid”."))
        return d

    def chosen(self) -> list[int]:
        return self.line_ids if self.cleaned_data.get("all_planned") else list(self.cleaned_data["lines"])


class PassForm(forms.Form):
    volunteer_name = forms.CharField(label=_("Volunteer"), max_length=100)
    hours = forms.IntegerField(label=_("Valid for (hours)"), min_value=1, max_value=72, initial=12)


# --- Surplus ---------------------------------------------------------------------------------


class SurplusForm(forms.Form):
    """The fields every decision has; the kind-specific forms add theirs."""

    kind = forms.ChoiceField(widget=forms.HiddenInput, choices=SurplusKind.choices)
    lot = forms.TypedChoiceField(label=_("Lot"), coerce=int)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1)
    reason = forms.CharField(label=_("Why"), required=False, max_length=REASON_MAX)

    def __init__(self, *args, lots, station, **kwargs):
        super().__init__(*args, **kwargs)
        self.station = station
        self.lots = {lot.pk: lot for lot in lots}
        self.fields["lot"].choices = [(lot.pk, f"{lot.item.name} · {gettext('lot')} #{lot.pk}") for lot in lots]

    def clean_lot(self):
        return self.lots[self.cleaned_data["lot"]]

    def service_fields(self) -> dict:
        d = self.cleaned_data
        return {"lot": d["lot"], "kind": d["kind"], "quantity": d["quantity"], "reason": d["reason"].strip()}


AWARD_ROWS = 5


class CommendForm(SurplusForm):
    """Awards to up to five volunteers: a resident tagged "volunteer" (by
    masked name) or a typed name, and how many units each."""

    quantity = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        volunteers = [("", "—")] + [(pk, mask_name(name)) for pk, name in volunteer_residents(self.station)]
        for i in range(AWARD_ROWS):
            self.fields[f"resident_{i}"] = forms.TypedChoiceField(
                label=_("Volunteer"), required=False, coerce=int, empty_value=None, choices=volunteers)
            self.fields[f"name_{i}"] = forms.CharField(label=_("or name"), required=False, max_length=100)
            self.fields[f"quantity_{i}"] = forms.IntegerField(label=_("Quantity"), required=False, min_value=1)

    def award_rows(self):
        return [(self[f"resident_{i}"], self[f"name_{i}"], self[f"quantity_{i}"]) for i in range(AWARD_ROWS)]

    def clean(self):
        d = super().clean()
        awards = []
        residents = Resident.objects.in_bulk(
            [d.get(f"resident_{i}") for i in range(AWARD_ROWS) if d.get(f"resident_{i}")])
        for i in range(AWARD_ROWS):
            resident_id, name, quantity = d.get(f"resident_{i}"), (d.get(f"name_{i}") or "").strip(), \
                d.get(f"quantity_{i}")
            if not resident_id and not name and not quantity:
                continue
            if not resident_id and not name:
                self.add_error(f"name_{i}", _("Choose a volunteer or type a name."))
                continue
            if not quantity:
                self.add_error(f"quantity_{i}", _("Say how many units this volunteer gets."))
                continue
            awards.append((residents.get(resident_id), name, quantity))
        if not awards and not self.errors:
            raise ValidationError(_("Name at least one volunteer and how many units they get."))
        d["awards"] = awards
        d["quantity"] = sum(q for _r, _n, q in awards)
        return d

    def service_fields(self) -> dict:
        return {**super().service_fields(), "awards": self.cleaned_data["awards"]}


class OnlineForm(SurplusForm):
    activity = forms.CharField(label=_("Activity"), max_length=300,
                               help_text=_("The online activity: its name and where it is announced."))

    def service_fields(self) -> dict:
        return {**super().service_fields(), "activity": self.cleaned_data["activity"].strip()}


class TransferForm(SurplusForm):
    to_store = forms.ModelChoiceField(label=_("To another store of this station"), required=False,
                                      queryset=Store.objects.none(), empty_label="—")
    to_station = forms.ModelChoiceField(label=_("Or to another station"), required=False, queryset=None,
                                        empty_label="—")

    def __init__(self, *args, **kwargs):
        from resourcelink.accounts.models import Station

        super().__init__(*args, **kwargs)
        self.fields["to_store"].queryset = Store.objects.filter(
            station=self.station, archived_on__isnull=True).order_by("name", "id")
        self.fields["to_station"].queryset = Station.objects.filter(archived_on__isnull=True).exclude(
            pk=self.station.pk).order_by("name", "id")

    def clean(self):
        d = super().clean()
        if not self.errors and bool(d.get("to_store")) == bool(d.get("to_station")):
            raise ValidationError(_("Choose either a store of this station or another station."))
        return d

    def service_fields(self) -> dict:
        return {**super().service_fields(), "to_store": self.cleaned_data["to_store"],
                "to_station": self.cleaned_data["to_station"]}


class KeepForm(SurplusForm):
    pass


SURPLUS_FORMS = {SurplusKind.COMMEND: CommendForm, SurplusKind.ONLINE: OnlineForm,
                 SurplusKind.TRANSFER: TransferForm, SurplusKind.KEEP: KeepForm}


def volunteer_residents(station) -> list[tuple[int, str]]:
    """(id, name) of the station's live residents tagged "volunteer"; the
    caller masks the names."""
    return list(Resident.objects.filter(
        Q(tags__code="volunteer"), station=station, archived_on__isnull=True, merged_into__isnull=True,
    ).distinct().order_by("id").values_list("pk", "name")[:500])
