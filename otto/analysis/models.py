"""The risk-based selection's weights, as an admin sets them (otto.analysis.selection)."""

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from otto.extensions import db


class SelectionWeight(db.Model):
    """Points a factor of the selection score gives per unit (a deviation, a month without a
    visit, a tip...), or for a business category (`category:<code>`). 0 turns it off."""

    __tablename__ = "selection_weight"

    factor: Mapped[str] = mapped_column(String(60), primary_key=True)
    weight: Mapped[int] = mapped_column(Integer, default=0)
