"""What may be uploaded: allowed kinds, size limits, safe file names."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

from mcbackend.domain.errors import BusinessRuleViolation, FieldProblem

# Extension → the content types a client may declare for it. Formats without magic bytes
# (3D scans, CAD exchange, text) are recognised by extension and declared type together.
ALLOWED_TYPES: dict[str, tuple[str, ...]] = {
    ".pdf": ("application/pdf",),
    ".png": ("image/png",),
    ".jpg": ("image/jpeg",),
    ".jpeg": ("image/jpeg",),
    ".webp": ("image/webp",),
    ".stl": ("model/stl", "application/sla", "application/vnd.ms-pki.stl"),
    ".obj": ("model/obj", "text/plain"),
    ".ply": ("model/ply", "application/ply"),
    ".step": ("model/step", "application/step"),
    ".stp": ("model/step", "application/step"),
    ".dxf": ("image/vnd.dxf", "application/dxf"),
    ".txt": ("text/plain",),
    ".csv": ("text/csv", "text/plain"),
}
GENERIC_BINARY = "application/octet-stream"
_UNSAFE = re.compile(r"[^\w.\- ()]+")


@dataclass(frozen=True)
class UploadCheck:
    filename: str
    content_type: str
    size: int
    sha256: str


def safe_filename(raw: str) -> str:
    """The last path component, normalised, without control or shell-hostile characters."""
    name = PureWindowsPath(PurePosixPath(raw or "").name).name
    name = unicodedata.normalize("NFKC", name)
    name = _UNSAFE.sub("_", name).strip(" .")
    return name[:200] or "file"


def check_upload(
    filename: str, declared_type: str | None, data: bytes, sniffed_type: str | None, max_bytes: int
) -> UploadCheck:
    """Check an upload; every problem is reported at once (422)."""
    name = safe_filename(filename)
    extension = PurePosixPath(name).suffix.lower()
    declared = (declared_type or GENERIC_BINARY).split(";")[0].strip().lower()
    problems: list[FieldProblem] = []
    allowed = ALLOWED_TYPES.get(extension)
    if allowed is None:
        kinds = ", ".join(sorted(ALLOWED_TYPES))
        problems.append(
            FieldProblem(
                "file",
                "file_type",
                f"{extension or 'no extension'} is not accepted; allowed: {kinds}",
            )
        )
    else:
        content_type = declared if declared in allowed else allowed[0]
        if declared not in allowed and declared != GENERIC_BINARY:
            problems.append(
                FieldProblem(
                    "file",
                    "file_type_mismatch",
                    f"{extension} files are {allowed[0]}, not {declared}",
                )
            )
        if sniffed_type and sniffed_type not in allowed:
            problems.append(
                FieldProblem(
                    "file",
                    "file_content_mismatch",
                    f"the content is {sniffed_type}, not a {extension} file",
                )
            )
    if not data:
        problems.append(FieldProblem("file", "empty_file", "the file is empty"))
    if len(data) > max_bytes:
        problems.append(
            FieldProblem(
                "file", "file_size", f"at most {max_bytes} bytes; this file has {len(data)}"
            )
        )
    if problems:
        raise BusinessRuleViolation(
            "the file cannot be accepted", code="invalid_file", errors=problems
        )
    return UploadCheck(name, content_type, len(data), hashlib.sha256(data).hexdigest())
