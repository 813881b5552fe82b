"""Swedish identity numbers of persons met at a site: personnummer and samordningsnummer
(co-ordination number: the day of birth plus 60). Format, date and Luhn check digit; the
same rules as the field app's `pwa/src/identity.js`, both held to `identity_vectors.json`.

A number is normalised to twelve digits "ÅÅÅÅMMDD-NNNN". A ten-digit number gets its century
from `today`: the latest century in which the date is not in the future, one century earlier
with the "+" separator (100 years or older)."""

import dataclasses
import datetime as dt
import re

from otto.inspections.org_number import luhn_valid

_FORMAT = re.compile(r"^(\d{2})?(\d{6})([-+]?)(\d{4})$")
COORDINATION_OFFSET = 60  # samordningsnummer: day of birth + 60

# The machine codes of what can be wrong (labels.json "identity_errors" words them).
FORMAT, DATE, CHECK_DIGIT = "format", "date", "check_digit"


class InvalidIdentityNumber(ValueError):
    """The number is not valid; `code` says what is wrong (format, date or check_digit)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclasses.dataclass(frozen=True)
class IdentityNumber:
    kind: str  # personnummer | samordningsnummer
    number: str  # ÅÅÅÅMMDD-NNNN
    birth_date: dt.date


def parse_identity_number(value: str, today: dt.date) -> IdentityNumber:
    """The valid personnummer or samordningsnummer in `value`, normalised; raise
    InvalidIdentityNumber naming what is wrong: the format, the date, or the check digit."""
    text = re.sub(r"\s", "", value or "")
    match = _FORMAT.match(text)
    if not match or (match.group(1) and match.group(3) == "+"):
        raise InvalidIdentityNumber(
            FORMAT, "Must be ÅÅÅÅMMDD-NNNN or ÅÅMMDD-NNNN (10 or 12 digits)."
        )
    century, date_digits, separator, last = match.groups()
    day = int(date_digits[4:6])
    kind = "samordningsnummer" if day > COORDINATION_OFFSET else "personnummer"
    if kind == "samordningsnummer":
        day -= COORDINATION_OFFSET
    year, month = int(date_digits[:2]), int(date_digits[2:4])
    if century:
        birth = _date(int(century) * 100 + year, month, day)
    else:
        birth = _ten_digit_birth(year, month, day, today, old=separator == "+")
    if birth > today:
        raise InvalidIdentityNumber(DATE, "The date of birth is in the future.")
    if not luhn_valid(date_digits + last):
        raise InvalidIdentityNumber(CHECK_DIGIT, "The check digit is wrong (Luhn check failed).")
    number = f"{birth.year // 100:02d}{date_digits}-{last}"
    return IdentityNumber(kind, number, birth)


def _date(year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise InvalidIdentityNumber(DATE, "The date in the number does not exist.") from None


def _ten_digit_birth(yy: int, month: int, day: int, today: dt.date, *, old: bool) -> dt.date:
    year = today.year - (today.year - yy) % 100  # the latest year ending in yy, not after today
    if year == today.year and (month, day) > (today.month, today.day):
        year -= 100
    if old:
        year -= 100
    return _date(year, month, day)
