"""Masking filters for the register's pages (core/privacy.py)."""

from django import template

from resourcelink.core import privacy

register = template.Library()


@register.filter
def mask_name(value) -> str:
    return privacy.mask_name(value or "")


@register.filter
def mask_phone(value) -> str:
    return privacy.mask_phone(value or "")


@register.filter
def mask_address(value) -> str:
    return privacy.mask_address(value or "")


@register.filter
def birth_masked(resident) -> str:
    """The year only: the full date is personal data."""
    year = resident.birth_year or (resident.birth_date.year if resident.birth_date else None)
    if year is None:
        return ""
    return f"{year}-**-**" if resident.birth_date else str(year)
