from django import forms
from django.utils.translation import gettext_lazy as _


class ResourceImportForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet"),
        help_text=_("An .xlsx or .csv file with one resource per row, headers in Chinese or English."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    dry_run = forms.BooleanField(label=_("Only check the file, import nothing"), required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("Upload an .xlsx or .csv file."))
        return upload


class PeopleImportForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet"),
        help_text=_("The workbook of the template (households, residents and needs sheets), or a .csv file with one "
                    "of those sheets. Headers in Chinese or English."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    dry_run = forms.BooleanField(label=_("Only check the file, import nothing"), required=False)
    confirm_duplicates = forms.BooleanField(
        label=_("Confirm likely duplicates"), required=False,
        help_text=_("Add residents that look like one already recorded (same name and phone, or a similar name at "
                    "the same address); each pair is flagged for review. Same ID numbers are always refused."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("Upload an .xlsx or .csv file."))
        return upload


class PeopleExportForm(forms.Form):
    SHEET_CHOICES = [
        ("all", _("Households, residents and needs (one workbook)")),
        ("households", _("Households")),
        ("residents", _("Residents")),
        ("needs", _("Needs")),
    ]
    sheet = forms.ChoiceField(label=_("What"), choices=SHEET_CHOICES, initial="all")
    format = forms.ChoiceField(label=_("Format"), choices=[("xlsx", "Excel (.xlsx)"), ("csv", "CSV")], initial="xlsx")
    personal = forms.BooleanField(
        label=_("Include personal data"), required=False,
        help_text=_("Admins only. Names, addresses, phones, ID numbers and birth dates in full. The export is "
                    "logged with its reason."),
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=300,
                             help_text=_("Needed to include personal data: why the file is made and who receives it."))

    def __init__(self, *args, viewer: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if viewer:
            self.fields["sheet"].choices = [("needs", _("Needs (no personal data)"))]
            self.fields["sheet"].initial = "needs"
            del self.fields["personal"]
            del self.fields["reason"]

    def clean(self):
        data = super().clean()
        if data.get("format") == "csv" and data.get("sheet") == "all":
            self.add_error("sheet", _("A CSV file holds one sheet: choose households, residents or needs."))
        if data.get("personal") and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why personal data is exported: the reason is kept in the log."))
        return data

    def sheets(self) -> tuple[str, ...]:
        sheet = self.cleaned_data["sheet"]
        return ("households", "residents", "needs") if sheet == "all" else (sheet,)
