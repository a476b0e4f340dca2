"""Masking of personal data for lists, exports and viewer roles."""


def mask_phone(phone: str) -> str:
    """Keep the first three and last four digits: 13812345678 -> 138****5678.

    Short numbers (landline extensions) keep only their last two digits.
    """
    phone = (phone or "").strip()
    if not phone:
        return ""
    digits = [c for c in phone if c.isdigit()]
    if len(digits) >= 11:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    if len(digits) >= 4:
        return "*" * (len(phone) - 2) + phone[-2:]
    return "*" * len(phone)
