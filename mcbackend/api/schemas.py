"""Response schemas shared by several blueprints."""

from __future__ import annotations

import marshmallow as ma


class MoneySchema(ma.Schema):
    amount = ma.fields.Integer(required=True, metadata={"description": "minor units (cents)"})
    currency = ma.fields.String(required=True, metadata={"example": "EUR"})


class IdPath(ma.Schema):
    id = ma.fields.Integer(required=True)
