"""System check: production must set its own field keys."""

from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=True)
def field_keys_check(app_configs=None, **kwargs):
    from .crypto import configured_keys

    if getattr(settings, "PRODUCTION", False) and not configured_keys():
        return [Warning(
            "RL_FIELD_KEYS is not set: residents' ID numbers are encrypted with a key derived from SECRET_KEY.",
            hint="Set RL_FIELD_KEYS to a Fernet key (python -c 'from cryptography.fernet import Fernet; "
                 "print(Fernet.generate_key().decode())') and keep it safe; changing SECRET_KEY would "
                 "otherwise make the ID numbers unreadable.",
            id="people.W001",
        )]
    return []
