"""PDF documents: job sheets, batches, dispatch lists, customer timelines and quotes."""

from __future__ import annotations

from datetime import timedelta

import marshmallow as ma
from flask import Response, current_app, url_for
from flask.views import MethodView

from mcbackend.api.base import (
    ALL_ROLES,
    Blueprint,
    Schema,
    anonymous_unit_of_work,
    current_principal,
    requires,
    session_factory,
    unit_of_work,
    utcnow,
)
from mcbackend.api.idempotency import idempotent
from mcbackend.domain.auth import Role
from mcbackend.services import documents, job_sheet_batches, orders

blp = Blueprint("documents", __name__, url_prefix="/api/v1", description="PDF documents")

_PDF = {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}


def _pdf(content: bytes, filename: str) -> Response:
    response = Response(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _storage():
    return current_app.extensions["mcbackend.storage"]


class WindowQuery(Schema):
    start = ma.fields.AwareDateTime()
    end = ma.fields.AwareDateTime()


@blp.route("/jobs/<int:job_id>/sheet.pdf")
class JobSheet(MethodView):
    @requires(*ALL_ROLES)
    @blp.doc(responses={"200": _PDF})
    def get(self, job_id: int):
        """The job sheet of one unit: options, customer inputs, operations, QR code"""
        with unit_of_work() as uow:
            pdf = documents.job_sheet_pdf(
                uow, _storage(), job_id, utcnow(), current_app.config["PUBLIC_BASE_URL"]
            )
        return _pdf(pdf, f"job-{job_id}.pdf")


@blp.route("/plants/<int:plant_id>/job-sheets.pdf")
class JobSheetBatch(MethodView):
    @requires(*ALL_ROLES)
    @blp.arguments(WindowQuery, location="query")
    @blp.doc(responses={"200": _PDF})
    def get(self, query, plant_id: int):
        """Every job sheet of the active plan, or of the jobs planned in a window, in one PDF"""
        with unit_of_work() as uow:
            pdf = documents.batch_pdf(
                uow,
                _storage(),
                plant_id,
                query.get("start"),
                query.get("end"),
                utcnow(),
                current_app.config["PUBLIC_BASE_URL"],
            )
        return _pdf(pdf, f"job-sheets-plant-{plant_id}.pdf")


class JobSheetBatchOut(ma.Schema):
    id = ma.fields.Integer()
    plant_id = ma.fields.Integer()
    status = ma.fields.String(
        metadata={
            "description": "queued, running, done, failed, or expired (the PDF was removed "
            "after MC_JOB_SHEET_BATCH_RETENTION_DAYS)"
        }
    )
    start = ma.fields.AwareDateTime(allow_none=True)
    end = ma.fields.AwareDateTime(allow_none=True)
    pages = ma.fields.Integer(allow_none=True)
    file_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "the stored PDF (size, SHA-256) once done"}
    )
    error = ma.fields.String(allow_none=True)
    requested_at = ma.fields.AwareDateTime()
    started_at = ma.fields.AwareDateTime(allow_none=True)
    finished_at = ma.fields.AwareDateTime(allow_none=True)


@blp.route("/plants/<int:plant_id>/job-sheet-batches")
class JobSheetBatches(MethodView):
    @requires(*ALL_ROLES)
    @idempotent
    @blp.arguments(WindowQuery)
    @blp.response(202, JobSheetBatchOut)
    def post(self, data, plant_id: int):
        """Queue the job sheets of the active plan (or of a window) as one PDF, rendered by a
        worker; poll the batch, then download its document"""
        with unit_of_work() as uow:
            batch = job_sheet_batches.request_batch(
                uow, plant_id, data.get("start"), data.get("end"), utcnow()
            )
            retention = timedelta(days=current_app.config["JOB_SHEET_BATCH_RETENTION_DAYS"])
            job_sheet_batches.expire_old_batches(uow, _storage(), utcnow(), retention)
        current_app.extensions["mcbackend.tasks"].submit(
            job_sheet_batches.render_batch,
            session_factory(),
            current_principal().tenant_id,
            batch.id,
            storage=_storage(),
            base_url=current_app.config["PUBLIC_BASE_URL"],
        )
        location = url_for("documents.JobSheetBatchItem", plant_id=plant_id, batch_id=batch.id)
        return batch, 202, {"Location": location}


@blp.route("/plants/<int:plant_id>/job-sheet-batches/<int:batch_id>")
class JobSheetBatchItem(MethodView):
    @requires(*ALL_ROLES)
    @blp.response(200, JobSheetBatchOut)
    def get(self, plant_id: int, batch_id: int):
        """A job-sheet batch: status, pages, error"""
        with unit_of_work() as uow:
            return job_sheet_batches.get_batch(uow, plant_id, batch_id, utcnow())


@blp.route("/plants/<int:plant_id>/job-sheet-batches/<int:batch_id>/document.pdf")
class JobSheetBatchDocument(MethodView):
    @requires(*ALL_ROLES)
    @blp.doc(responses={"200": _PDF})
    def get(self, plant_id: int, batch_id: int):
        """A done batch's PDF (409 while it is queued, running or failed)"""
        with unit_of_work() as uow:
            row, content = job_sheet_batches.batch_document(
                uow, _storage(), plant_id, batch_id, utcnow()
            )
        response = _pdf(content, row.filename)
        response.headers["ETag"] = f'"{row.sha256}"'
        return response


@blp.route("/resources/<int:resource_id>/dispatch-list.pdf")
class DispatchListPdf(MethodView):
    @requires(*ALL_ROLES)
    @blp.arguments(WindowQuery, location="query")
    @blp.doc(responses={"200": _PDF})
    def get(self, query, resource_id: int):
        """A resource's dispatch list for a day (default: today) or a window"""
        with unit_of_work() as uow:
            pdf = documents.dispatch_list_pdf(
                uow, _storage(), resource_id, query.get("start"), query.get("end"), utcnow()
            )
        return _pdf(pdf, f"dispatch-list-{resource_id}.pdf")


@blp.route("/orders/<int:order_id>/timeline.pdf")
class OrderTimelinePdf(MethodView):
    @requires(Role.INTEGRATOR)
    @blp.doc(responses={"200": _PDF})
    def get(self, order_id: int):
        """The customer timeline of an order: stages planned vs actual, ETA, proofs"""
        with unit_of_work() as uow:
            pdf = documents.timeline_pdf(uow, _storage(), order_id, utcnow())
        return _pdf(pdf, f"timeline-{order_id}.pdf")


@blp.route("/orders/<int:order_id>/quote.pdf")
class OrderQuotePdf(MethodView):
    @requires(Role.INTEGRATOR)
    @blp.doc(responses={"200": _PDF})
    def get(self, order_id: int):
        """The quote the order was sold at"""
        with unit_of_work() as uow:
            pdf = documents.order_quote_pdf(uow, _storage(), order_id, utcnow())
        return _pdf(pdf, f"quote-order-{order_id}.pdf")


@blp.route("/quotes/<int:quote_id>.pdf")
class QuotePdf(MethodView):
    @requires(Role.INTEGRATOR)
    @blp.doc(responses={"200": _PDF})
    def get(self, quote_id: int):
        """A stored quote as a PDF: breakdown, payment plan, lead time, terms, validity"""
        with unit_of_work() as uow:
            pdf = documents.quote_pdf(uow, _storage(), quote_id, utcnow())
        return _pdf(pdf, f"quote-{quote_id}.pdf")


@blp.route("/track/<string:token>/timeline.pdf")
class TrackedTimelinePdf(MethodView):
    @blp.doc(security=[], responses={"200": _PDF})
    def get(self, token: str):
        """The customer's timeline PDF, with the order's tracking token"""
        with anonymous_unit_of_work() as uow:
            order = orders.order_for_token(uow, token)
            pdf = documents.timeline_pdf(uow, _storage(), order.id, utcnow())
        return _pdf(pdf, f"{order.reference}-timeline.pdf")


@blp.route("/track/<string:token>/quote.pdf")
class TrackedQuotePdf(MethodView):
    @blp.doc(security=[], responses={"200": _PDF})
    def get(self, token: str):
        """The customer's quote PDF, with the order's tracking token"""
        with anonymous_unit_of_work() as uow:
            order = orders.order_for_token(uow, token)
            pdf = documents.order_quote_pdf(uow, _storage(), order.id, utcnow())
        return _pdf(pdf, f"{order.reference}-quote.pdf")
