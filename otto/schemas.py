"""Marshmallow fields shared by every domain's schemas."""

from marshmallow import ValidationError, fields, validate

from otto import limits

# The largest value of an integer column (PostgreSQL `integer`): ids, versions, sequences.
MAX_INT = 2**31 - 1


class DbInteger(fields.Integer):
    """An integer that refers to or matches an integer column (an id, a version): a value
    out of the column's range is a validation error naming the field, not a database error,
    and the OpenAPI document shows the range."""

    def __init__(self, *, minimum: int = 1, **kwargs):
        extra = kwargs.pop("validate", None) or []
        extra = [extra] if callable(extra) else list(extra)
        super().__init__(validate=[validate.Range(min=minimum, max=MAX_INT), *extra], **kwargs)


class UUIDString(fields.UUID):
    """A UUID checked for format but kept as its canonical string (our ids are strings)."""

    def _deserialize(self, value, attr, data, **kwargs):
        return str(super()._deserialize(value, attr, data, **kwargs))


class TextLength(validate.Length):
    """A text's length check whose refusal names the limit in the words of otto.limits."""

    def __call__(self, value):
        if self.max is not None and len(value) > self.max:
            raise ValidationError(limits.too_long(self.max))
        return super().__call__(value)


def text(limit: int, *, required: bool = False, min_length: int | None = None, **kwargs):
    """A string field at most `limit` characters long (a kind from otto.limits)."""
    extra = kwargs.pop("validate", None) or []
    extra = [extra] if callable(extra) else list(extra)
    return fields.String(
        required=required, validate=[TextLength(min=min_length, max=limit), *extra], **kwargs
    )
