from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from .models import Role


class MemberAddForm(forms.Form):
    """Add a member: an existing user by name, or a new user with a password."""

    username = forms.CharField(label=_("User name"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    password = forms.CharField(
        label=_("Password for a new user"), required=False, widget=forms.PasswordInput,
        help_text=_("Leave empty to add an existing user."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)

    def clean(self):
        data = super().clean()
        username = data.get("username", "")
        exists = get_user_model().objects.filter(username__iexact=username).exists()
        if username and not exists and not data.get("password"):
            self.add_error("password", _("There is no user with this name: give a password to create one."))
        return data


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100, help_text=_("For example the program that will use it."))
