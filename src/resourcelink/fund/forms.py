"""Forms of the charity fund pages. They parse amounts and pick records of
the station; the services check roles, restrictions and balances."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import FundAccount
from .selectors import grantable_household

MAX_MONEY = Decimal("999999999999.99")
MONEY_INPUT = forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"})


def _amount_field(label=_("Amount (yuan)"), **kwargs):
    return forms.DecimalField(label=label, max_digits=14, decimal_places=2, max_value=MAX_MONEY,
                              widget=MONEY_INPUT, **kwargs)


class GrantForm(forms.Form):
    household = forms.CharField(
        label=_("Household number"), max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("The number on the household's page, e.g. 12 or #12."))
    amount = _amount_field(min_value=Decimal("0.01"))
    reason = forms.CharField(label=_("Why"), max_length=300)

    def __init__(self, *args, station, **kwargs):
        super().__init__(*args, **kwargs)
        self.station = station

    def clean_household(self):
        household = grantable_household(self.station, self.cleaned_data["household"])
        if household is None:
            raise forms.ValidationError(_("There is no household with this number at the station."))
        return household


class TransferForm(forms.Form):
    to_account = forms.TypedChoiceField(label=_("To the account"), coerce=int)
    amount = _amount_field(min_value=Decimal("0.01"))
    reason = forms.CharField(label=_("Why"), max_length=300)

    def __init__(self, *args, account: FundAccount, accounts, **kwargs):
        super().__init__(*args, **kwargs)
        self.accounts = {a.pk: a for a in accounts if a.pk != account.pk}
        self.fields["to_account"].choices = [("", "—"), *((pk, a.name) for pk, a in self.accounts.items())]

    def clean_to_account(self):
        return self.accounts[self.cleaned_data["to_account"]]


class CorrectionForm(forms.Form):
    amount = _amount_field(help_text=_("Positive to add money, negative (e.g. -20.00) to take it away."))
    reason = forms.CharField(label=_("Why"), max_length=300,
                             help_text=_("Say what was wrong: a correction is kept for ever."))

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount == 0:
            raise forms.ValidationError(_("The amount cannot be zero."))
        return amount


class ReceiveForm(forms.Form):
    amount = _amount_field(min_value=Decimal("0.01"))
    reason = forms.CharField(label=_("Where the money came from"), max_length=300,
                             help_text=_("A cash donation is received on the donation form, with its donor."))
