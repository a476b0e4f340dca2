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


def mask_name(name: str) -> str:
    """Keep the family name: 张小明 -> 张**, 王五 -> 王*, "Li Wei" -> "L** W**"."""
    name = (name or "").strip()
    if not name:
        return ""
    if " " in name:  # Latin-script names: first letter of each part
        return " ".join(part[:1] + "**" for part in name.split())
    return name[:1] + "*" * max(1, len(name) - 1)


def mask_id_number(masked_or_plain: str) -> str:
    """Keep the first three and last two characters of an ID number:
    330106199001011234 -> 330*************34."""
    value = (masked_or_plain or "").strip()
    if len(value) <= 5:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 5) + value[-2:]


def mask_address(address: str) -> str:
    """Keep the first part of an address (road, estate) and hide the rest,
    where the building and door number are: 湖滨路12号3单元502 -> 湖滨路12号***."""
    address = (address or "").strip()
    if not address:
        return ""
    keep = max(2, min(len(address) // 2, 8))
    return address[:keep] + "***"
