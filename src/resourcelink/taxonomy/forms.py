from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Category
from .selectors import categories_for_station


class ParentField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return "\u3000" * obj.depth + obj.name


class CategoryCreateForm(forms.Form):
    parent = ParentField(label=_("Parent category"), queryset=None, required=False,
                         empty_label=_("None: a top-level category"))
    code = Category._meta.get_field("code").formfield(
        label=_("Code"),
        help_text=_("Lower-case letters, digits, dots, hyphens and underscores, e.g. “care.haircut”. "
                    "Imports and exports use it, so it cannot be changed later."),
    )
    name_zh_hans = forms.CharField(label=_("Name (Chinese)"), max_length=100)
    name_en = forms.CharField(label=_("Name (English)"), max_length=100)
    sort_order = forms.IntegerField(label=_("Order"), min_value=0, initial=0,
                                    help_text=_("Smaller numbers come first among sister categories."))

    def __init__(self, *args, station, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = categories_for_station(station)


class CategoryEditForm(forms.Form):
    name_zh_hans = forms.CharField(label=_("Name (Chinese)"), max_length=100)
    name_en = forms.CharField(label=_("Name (English)"), max_length=100)
    sort_order = forms.IntegerField(label=_("Order"), min_value=0,
                                    help_text=_("Smaller numbers come first among sister categories."))
