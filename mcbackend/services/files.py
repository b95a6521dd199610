"""Use cases for attachments."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import puremagic

from mcbackend.adapters import orm
from mcbackend.adapters.storage import FileStorage
from mcbackend.adapters.unit_of_work import UnitOfWork
from mcbackend.domain.errors import BusinessRuleViolation, FieldProblem
from mcbackend.domain.files import check_upload


def _sniff(data: bytes) -> str | None:
    """The content type the bytes themselves announce, if they carry a known signature."""
    if not data:
        return None
    try:
        return puremagic.from_string(data[:8192], mime=True) or None
    except puremagic.PureError:
        return None


def upload_file(
    uow: UnitOfWork,
    storage: FileStorage,
    filename: str,
    declared_type: str | None,
    data: bytes,
    max_bytes: int,
) -> orm.StoredFile:
    checked = check_upload(filename, declared_type, data, _sniff(data), max_bytes)
    with storing(uow, storage, checked.filename, checked.content_type, data) as row:
        uow.commit()
    return row


@contextmanager
def storing(
    uow: UnitOfWork, storage: FileStorage, filename: str, content_type: str, data: bytes
) -> Iterator[orm.StoredFile]:
    """Put the bytes in the storage and their row (size, SHA-256, with an id) in the session;
    commit inside the block. If the block fails, the bytes are deleted again, so no bytes
    are left without a row."""
    key = storage.put(uow.tenant_id, data)
    try:
        row = uow.files.add(
            orm.StoredFile(
                storage_key=key,
                filename=filename,
                content_type=content_type,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
            )
        )
        uow.flush()
        yield row
    except BaseException:
        storage.delete(key)
        raise


def file_content(
    uow: UnitOfWork, storage: FileStorage, file_id: int
) -> tuple[orm.StoredFile, bytes]:
    row = uow.files.get(file_id)
    return row, storage.get(row.storage_key)


def require_files(uow: UnitOfWork, file_ids: Iterable[int | str], field: str) -> None:
    """Refuse references to files this tenant never uploaded, naming every missing one."""
    missing = [f for f in file_ids if uow.files.find(int(f)) is None]
    if missing:
        raise BusinessRuleViolation(
            f"{field} refers to files that were never uploaded",
            code="unknown_file",
            errors=[FieldProblem(field, "unknown_file", f"no uploaded file {f}") for f in missing],
        )
