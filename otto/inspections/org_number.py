"""Swedish organisation numbers (organisationsnummer): format and Luhn check digit."""

import re

_FORMAT = re.compile(r"^(\d{6})-?(\d{4})$")


def luhn_valid(digits: str) -> bool:
    """True when the last digit is the Luhn check digit of the others."""
    total = 0
    for i, char in enumerate(reversed(digits)):
        n = int(char)
        if i % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def normalize_org_number(value: str) -> str:
    """Return the number as NNNNNN-NNNN, or raise ValueError saying what is wrong.

    Accepts ten digits with or without the dash. (Twelve-digit forms with a century prefix
    are for personal identity numbers and are not accepted here.)
    """
    match = _FORMAT.match((value or "").strip())
    if not match:
        raise ValueError("Must be 10 digits, as NNNNNN-NNNN or NNNNNNNNNN.")
    digits = match.group(1) + match.group(2)
    if not luhn_valid(digits):
        raise ValueError("The check digit is wrong (Luhn check failed).")
    return f"{digits[:6]}-{digits[6:]}"


def with_check_digit(nine_digits: str) -> str:
    """Complete nine digits with their Luhn check digit (used to make demo data)."""
    for last in "0123456789":
        if luhn_valid(nine_digits + last):
            return f"{nine_digits[:6]}-{nine_digits[6:]}{last}"
    raise AssertionError("unreachable: one check digit always fits")
