"""Forms of the donor and donation pages. They parse and present input;
the services check roles, stations and the rules of a donation."""

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from resourcelink.communities.models import Community
from resourcelink.core.widgets import RecordChoiceField
from resourcelink.people.selectors import tags_for_station
from resourcelink.taxonomy.selectors import category_choices

from . import selectors
from .models import DonationKind, DonorKind
from .selectors import DonationFilter, DonorFilter

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY_INPUT = forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01", "min": "0"})
MAX_MONEY = Decimal("999999999999.99")


# --- Donors --------------------------------------------------------------------------


class DonorForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=DonorKind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    contact_name = forms.CharField(label=_("Contact person"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    email = forms.EmailField(label=_("Email"), required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    may_be_named = forms.BooleanField(
        label=_("May be named in public"), required=False,
        help_text=_("Only then does the public disclosure page show the donor's name."))
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    reason = forms.CharField(label=_("Reason for the change"), required=False, max_length=300)

    def __init__(self, *args, donor=None, **kwargs):
        if donor is not None:
            kwargs.setdefault("initial", {f: getattr(donor, f) for f in (
                "kind", "name", "contact_name", "phone", "email", "address", "may_be_named", "notes")})
        super().__init__(*args, **kwargs)
        if donor is None:
            del self.fields["reason"]

    def service_fields(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "reason"}


class DonorFilterForm(forms.Form):
    q = forms.CharField(label=_("Name contains"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search"}))
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Any kind")), *DonorKind.choices])
    archived = forms.BooleanField(label=_("Archived donors"), required=False)

    def to_filter(self) -> DonorFilter:
        d = self.cleaned_data
        return DonorFilter(q=d.get("q") or "", kind=d.get("kind") or "", archived=bool(d.get("archived")))


# --- Donation list -------------------------------------------------------------------


class DonationFilterForm(forms.Form):
    q = forms.CharField(label=_("Donor name contains"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search"}))
    kind = forms.ChoiceField(label=_("Kind"), required=False,
                             choices=[("", _("In kind and cash")), *DonationKind.choices])
    donor = RecordChoiceField(label=_("Donor"), empty_label=_("Any donor"))
    received_from = forms.DateField(label=_("Received from"), required=False, widget=DATE_INPUT)
    received_to = forms.DateField(label=_("Received until"), required=False, widget=DATE_INPUT)
    awaiting_feedback = forms.BooleanField(label=_("Only those awaiting feedback"), required=False)

    def __init__(self, data=None, *, station, **kwargs):
        super().__init__(data, **kwargs)
        self.station = station
        from .models import Donor

        # Archived donors stay findable: their donations are still listed.
        self.fields["donor"].set_choices(
            Donor.objects.filter(station=station).order_by("name", "id").values_list("pk", "name"))

    def clean(self):
        data = super().clean()
        start, end = data.get("received_from"), data.get("received_to")
        if start and end and end < start:
            self.add_error("received_to", _("The end date is before the start date."))
        return data

    def to_filter(self) -> DonationFilter:
        from .models import Donor

        d = self.cleaned_data
        donor = Donor.objects.filter(station=self.station, pk=d["donor"]).first() if d.get("donor") else None
        return DonationFilter(q=d.get("q") or "", kind=d.get("kind") or "", donor=donor,
                              received_from=d.get("received_from"), received_to=d.get("received_to"),
                              awaiting_feedback=bool(d.get("awaiting_feedback")))


# --- Receiving -----------------------------------------------------------------------


class ReceiveForm(forms.Form):
    """A donation's head: who gave, what kind, when, where the goods go or
    how much money, and the donor's restrictions. The lines are a formset
    beside it (``LineFormSet``). A donor not yet on file is added in the
    same step (``new_donor_*``)."""

    donor = forms.TypedChoiceField(label=_("Donor"), coerce=int, required=False, empty_value=None)
    new_donor_name = forms.CharField(label=_("Or a new donor: name"), required=False, max_length=200)
    new_donor_kind = forms.ChoiceField(label=_("The new donor's kind"), required=False,
                                       choices=[("", "—"), *DonorKind.choices])
    new_donor_phone = forms.CharField(label=_("The new donor's phone"), required=False, max_length=40,
                                      widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    new_donor_may_be_named = forms.BooleanField(label=_("The new donor may be named in public"), required=False)
    kind = forms.ChoiceField(label=_("What was given"), choices=DonationKind.choices, widget=forms.RadioSelect,
                             initial=DonationKind.IN_KIND)
    received_on = forms.DateField(label=_("Received on"), widget=DATE_INPUT)
    store = forms.TypedChoiceField(label=_("Store the goods go into"), coerce=int, required=False,
                                   empty_value=None)
    amount = forms.DecimalField(label=_("Amount (yuan)"), required=False, min_value=Decimal("0.01"),
                                max_value=MAX_MONEY, decimal_places=2, widget=MONEY_INPUT)
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    target_tags = forms.TypedMultipleChoiceField(label=_("Only for these groups"), required=False, coerce=int,
                                                 widget=forms.CheckboxSelectMultiple)
    categories = forms.TypedMultipleChoiceField(label=_("Only for needs in these categories"), required=False,
                                                coerce=int)
    communities = forms.TypedMultipleChoiceField(label=_("Only in these communities"), required=False, coerce=int,
                                                 widget=forms.CheckboxSelectMultiple)
    use_by = forms.DateField(label=_("To be used by"), required=False, widget=DATE_INPUT)
    restriction_note = forms.CharField(label=_("The donor's wishes"), required=False, max_length=300)

    HEAD = ("donor", "new_donor_name", "new_donor_kind", "new_donor_phone", "new_donor_may_be_named", "kind",
            "received_on")
    RESTRICTIONS = ("target_tags", "categories", "communities", "use_by", "restriction_note")

    def __init__(self, data=None, *, station, **kwargs):
        kwargs.setdefault("initial", {"received_on": timezone.localdate()})
        super().__init__(data, **kwargs)
        self.station = station
        self.fields["donor"].choices = [("", _("Choose a donor")), *selectors.donor_choices(station)]
        self.fields["store"].choices = [("", "—"), *((s.pk, s.name) for s in selectors.open_stores(station))]
        self.fields["target_tags"].choices = [(t.pk, t.name) for t in tags_for_station(station)]
        self.fields["categories"].choices = category_choices(station)
        self.fields["communities"].choices = list(
            Community.objects.filter(station=station, archived_on__isnull=True).order_by("name", "id")
            .values_list("pk", "name"))

    def head_fields(self):
        return [self[name] for name in self.HEAD]

    def restriction_fields(self):
        return [self[name] for name in self.RESTRICTIONS]

    def has_restrictions(self) -> bool:
        if not self.is_bound:
            return False
        return any(self.data.get(name) for name in self.RESTRICTIONS) or any(
            self[name].errors for name in self.RESTRICTIONS)

    def clean(self):
        data = super().clean()
        if data.get("donor") and (data.get("new_donor_name") or "").strip():
            self.add_error("new_donor_name", _("Choose a donor or add a new one, not both."))
        elif not data.get("donor") and "donor" not in self.errors:
            if not (data.get("new_donor_name") or "").strip():
                self.add_error("donor", _("Choose the donor, or give a new donor's name."))
            elif not data.get("new_donor_kind"):
                self.add_error("new_donor_kind", _("Say what kind of donor this is."))
        return data

    def new_donor_fields(self) -> dict | None:
        d = self.cleaned_data
        if d.get("donor"):
            return None
        return {"name": d["new_donor_name"].strip(), "kind": d["new_donor_kind"],
                "phone": (d.get("new_donor_phone") or "").strip(),
                "may_be_named": bool(d.get("new_donor_may_be_named"))}


class LineForm(forms.Form):
    """One line of an in-kind donation."""

    item = forms.TypedChoiceField(label=_("Item"), coerce=int)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=2_000_000_000,
                                  widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": "1"}))
    expires_on = forms.DateField(label=_("Expires on"), required=False, widget=DATE_INPUT)
    estimated_value = forms.DecimalField(label=_("Estimated value (yuan)"), required=False, min_value=0,
                                         max_value=MAX_MONEY, decimal_places=2, widget=MONEY_INPUT)

    def __init__(self, *args, item_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [("", _("Choose an item")), *item_choices]


class BaseLineFormSet(forms.BaseFormSet):
    def __init__(self, *args, station, **kwargs):
        self.station = station
        self.items = {item.pk: item for item in selectors.receivable_items(station)}
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        kwargs["item_choices"] = [(pk, f"{item.name} ({item.unit})") for pk, item in self.items.items()]
        return kwargs

    def line_specs(self) -> list:
        """The filled, not removed lines as the service takes them."""
        from .services import LineSpec

        specs = []
        for form in self.forms:
            if self.can_delete and self._should_delete_form(form):
                continue
            d = getattr(form, "cleaned_data", None)
            if not d or d.get("item") is None:
                continue
            specs.append(LineSpec(self.items[d["item"]], d["quantity"], d.get("expires_on"),
                                  d.get("estimated_value")))
        return specs


LineFormSet = forms.formset_factory(LineForm, formset=BaseLineFormSet, extra=1, can_delete=True,
                                    max_num=500, validate_max=True)


class LinesUploadForm(forms.Form):
    lines_file = forms.FileField(
        label=_("Lines from a spreadsheet"), required=False,
        help_text=_("An .xlsx or .csv file with the columns Item, Quantity, Expiry date and Estimated value "
                    "(headers in Chinese or English). It replaces the lines below."))


class FeedbackForm(forms.Form):
    sent_on = forms.DateField(label=_("Feedback sent on"), widget=DATE_INPUT)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"sent_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
