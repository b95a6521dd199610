import pytest

from mcbackend.adapters.storage import LocalFileStorage
from mcbackend.domain.files import safe_filename


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system32\\cmd.exe", "cmd.exe"),
        ("spec sheet (v2).pdf", "spec sheet (v2).pdf"),
        ("a\x00b;rm -rf.pdf", "a_b_rm -rf.pdf"),
        ("", "file"),
        ("..", "file"),
    ],
)
def test_safe_filename(raw, safe):
    assert safe_filename(raw) == safe


def test_local_storage_round_trip_and_escape_refused(tmp_path):
    storage = LocalFileStorage(tmp_path)
    key = storage.put(7, b"hello")
    assert key.startswith("7/") and storage.get(key) == b"hello"
    with pytest.raises(ValueError):
        storage.get("../outside")
    storage.delete(key)
    assert not any(p.is_file() for p in tmp_path.rglob("*"))
