"""Attachments: briefs, mockups, scans, technical specifications."""

from __future__ import annotations

import marshmallow as ma
from flask import Response, current_app
from flask.views import MethodView
from flask_smorest.fields import Upload

from mcbackend.api.base import ALL_ROLES, Blueprint, Schema, requires, unit_of_work
from mcbackend.api.idempotency import idempotent
from mcbackend.domain.auth import Role
from mcbackend.services import files as file_service

blp = Blueprint("files", __name__, url_prefix="/api/v1/files", description="Attachments")


class FileOut(ma.Schema):
    id = ma.fields.Integer()
    filename = ma.fields.String()
    content_type = ma.fields.String()
    size = ma.fields.Integer(metadata={"description": "bytes"})
    sha256 = ma.fields.String()
    created_at = ma.fields.AwareDateTime()


class FileUpload(Schema):
    file = Upload(required=True)


_BYTES = {"type": "string", "format": "binary"}


def _storage():
    return current_app.extensions["mcbackend.storage"]


@blp.route("")
class Files(MethodView):
    @requires(Role.INTEGRATOR)
    @idempotent
    @blp.arguments(FileUpload, location="files")
    @blp.response(201, FileOut)
    def post(self, data):
        """Upload a file (multipart field `file`); type, size and content are checked"""
        upload = data["file"]
        content = upload.read(current_app.config["MAX_UPLOAD_BYTES"] + 1)
        with unit_of_work() as uow:
            return file_service.upload_file(
                uow,
                _storage(),
                upload.filename or "",
                upload.mimetype,
                content,
                current_app.config["MAX_UPLOAD_BYTES"],
            )


@blp.route("/<int:file_id>")
class FileItem(MethodView):
    @requires(*ALL_ROLES)
    @blp.response(200, FileOut)
    def get(self, file_id: int):
        """A file's metadata"""
        with unit_of_work() as uow:
            return uow.files.get(file_id)


@blp.route("/<int:file_id>/content")
class FileContent(MethodView):
    @requires(*ALL_ROLES)
    @blp.doc(responses={"200": {"content": {"*/*": {"schema": _BYTES}}}})
    def get(self, file_id: int):
        """Download a file's bytes (served with the type they were uploaded as)"""
        with unit_of_work() as uow:
            row, content = file_service.file_content(uow, _storage(), file_id)
        response = Response(content, mimetype=row.content_type)
        # Always a download, never rendered inline: uploaded content is untrusted.
        response.headers["Content-Disposition"] = f'attachment; filename="{row.filename}"'
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["ETag"] = f'"{row.sha256}"'
        return response
