"""Uploads: accepted kinds, checksums, safe names, limits, downloads."""

import hashlib
import io

import pytest

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _upload(api, content: bytes, name: str, content_type: str | None = None):
    payload = {"file": (io.BytesIO(content), name, content_type or "application/octet-stream")}
    return api.client.post("/api/v1/files", data=payload, headers=api._headers(None))


def test_upload_and_download_round_trip(api):
    created = _upload(api, PDF, "hood-spec.pdf", "application/pdf")
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert body["size"] == len(PDF) and body["content_type"] == "application/pdf"
    download = api.get(f"/api/v1/files/{body['id']}/content")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_a_3d_scan_without_magic_bytes_is_accepted_by_extension(api):
    created = _upload(api, b"solid scan\nendsolid scan\n", "torso.stl", "model/stl")
    assert created.status_code == 201
    assert created.get_json()["content_type"] == "model/stl"


def test_path_traversal_names_are_neutralised(api, app):
    created = _upload(api, PDF, "../../../etc/passwd.pdf", "application/pdf")
    assert created.status_code == 201
    assert created.get_json()["filename"] == "passwd.pdf"
    files_dir = app.config["FILES_DIR"]
    import pathlib

    stored = [p for p in pathlib.Path(files_dir).rglob("*") if p.is_file()]
    assert stored and all(str(p).startswith(files_dir) for p in stored)


@pytest.mark.parametrize(
    ("content", "name", "content_type", "code"),
    [
        (b"MZ\x90\x00binary", "setup.exe", "application/octet-stream", "file_type"),
        (PNG, "mockup.pdf", "application/pdf", "file_content_mismatch"),
        (PDF, "mockup.pdf", "image/png", "file_type_mismatch"),
        (b"", "empty.pdf", "application/pdf", "empty_file"),
    ],
)
def test_rejected_uploads_say_why(api, content, name, content_type, code):
    response = _upload(api, content, name, content_type)
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "invalid_file"
    assert code in {e["code"] for e in body["errors"]}


def test_size_limit(api, app):
    app.config["MAX_UPLOAD_BYTES"] = 100
    response = _upload(api, PDF + b"x" * 200, "big.pdf", "application/pdf")
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["code"] == "file_size"


def test_missing_file_field_is_400(api):
    response = api.client.post("/api/v1/files", data={}, headers=api._headers(None))
    assert response.status_code == 400
    assert response.get_json()["errors"][0]["field"] == "files.file"
