"""Marshmallow fields shared by every domain's schemas."""

from marshmallow import fields


class UUIDString(fields.UUID):
    """A UUID checked for format but kept as its canonical string (our ids are strings)."""

    def _deserialize(self, value, attr, data, **kwargs):
        return str(super()._deserialize(value, attr, data, **kwargs))
