"""Analytics: what sells, what is never chosen, how reliably we deliver, how busy we are.

Every endpoint answers JSON, or CSV with ``?format=csv`` (the detail rows, for spreadsheets).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import marshmallow as ma
from flask import Response
from flask.views import MethodView

from mcbackend.api.base import Blueprint, Schema, requires, unit_of_work, utcnow
from mcbackend.domain.auth import Role
from mcbackend.services import analytics

blp = Blueprint(
    "analytics", __name__, url_prefix="/api/v1/analytics", description="Analytics and exports"
)


class FormatQuery(Schema):
    format = ma.fields.String(load_default="json", validate=ma.validate.OneOf(["json", "csv"]))


class OptionsQuery(FormatQuery):
    product_id = ma.fields.Integer(required=True)


class UtilizationQuery(FormatQuery):
    plant_id = ma.fields.Integer(required=True)
    start = ma.fields.AwareDateTime(metadata={"description": "default: now"})
    end = ma.fields.AwareDateTime(metadata={"description": "default: a week after start"})


def _answer(query: dict, result: dict[str, Any], rows: Callable[[dict], list[dict]], name: str):
    if query["format"] == "json":
        return result
    table = rows(result)
    out = io.StringIO()
    if table:
        writer = csv.DictWriter(out, fieldnames=list(table[0]))
        writer.writeheader()
        writer.writerows(table)
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


_CSV = {
    "200": {
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "text/csv": {"schema": {"type": "string"}},
        }
    }
}


@blp.route("/options")
class OptionPopularity(MethodView):
    @requires(Role.INTEGRATOR)
    @blp.arguments(OptionsQuery, location="query")
    @blp.doc(responses=_CSV)
    def get(self, query):
        """Option popularity, options never chosen, share of orders that changed defaults"""
        with unit_of_work() as uow:
            result = analytics.option_popularity(uow, query["product_id"])
        return _answer(query, result, lambda r: r["values"], "option-popularity")


@blp.route("/delivery")
class DeliveryPerformance(MethodView):
    @requires(Role.INTEGRATOR)
    @blp.arguments(FormatQuery, location="query")
    @blp.doc(responses=_CSV)
    def get(self, query):
        """On-time delivery rate; promised versus actual lead time"""
        with unit_of_work() as uow:
            result = analytics.delivery_performance(uow)
        return _answer(query, result, lambda r: r["orders"], "delivery")


@blp.route("/proof-rounds")
class ProofRounds(MethodView):
    @requires(Role.INTEGRATOR)
    @blp.arguments(FormatQuery, location="query")
    @blp.doc(responses=_CSV)
    def get(self, query):
        """Average proof rounds per co-design order"""
        with unit_of_work() as uow:
            result = analytics.proof_rounds(uow)
        return _answer(query, result, lambda r: r["orders"], "proof-rounds")


@blp.route("/revenue")
class Revenue(MethodView):
    @requires(Role.INTEGRATOR)
    @blp.arguments(FormatQuery, location="query")
    @blp.doc(responses=_CSV)
    def get(self, query):
        """Sold revenue by customization mode and by product"""
        with unit_of_work() as uow:
            result = analytics.revenue(uow)

        def rows(r: dict) -> list[dict]:
            return [
                {
                    "group": "mode",
                    "key": x["mode"],
                    "currency": x["currency"],
                    "amount": x["amount"],
                }
                for x in r["by_mode"]
            ] + [
                {
                    "group": "product",
                    "key": x["sku"],
                    "currency": x["currency"],
                    "amount": x["amount"],
                }
                for x in r["by_product"]
            ]

        return _answer(query, result, rows, "revenue")


@blp.route("/utilization")
class Utilization(MethodView):
    @requires(Role.INTEGRATOR)
    @blp.arguments(UtilizationQuery, location="query")
    @blp.doc(responses=_CSV)
    def get(self, query):
        """Planned utilization of each resource over its working time in a period"""
        start = query.get("start") or utcnow()
        end = query.get("end") or start + timedelta(days=7)
        with unit_of_work() as uow:
            result = analytics.utilization(uow, query["plant_id"], start, end)
        return _answer(query, result, lambda r: r["resources"], "utilization")
