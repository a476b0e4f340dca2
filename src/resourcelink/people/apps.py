from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "resourcelink.people"
    label = "people"
    verbose_name = _("Households and residents")

    def ready(self):
        from . import checks  # noqa: F401  (registers the system check)
