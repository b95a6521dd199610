"""Configuration: the signing key every process of a host shares when none is configured."""

import multiprocessing
import stat

from mcbackend.app import create_app
from mcbackend.config import instance_secret


def _app(tmp_path, **config):
    return create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
                       "FILES_DIR": str(tmp_path / "files"), **config})


def test_processes_of_one_host_share_a_generated_key(tmp_path):
    first, second = _app(tmp_path), _app(tmp_path)
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) == 64
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".secret_key")] == []


def test_a_configured_key_wins_and_writes_nothing(tmp_path):
    app = _app(tmp_path, SECRET_KEY="from-the-environment")
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()


def test_processes_starting_together_agree(tmp_path):
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        keys = pool.map(instance_secret, [tmp_path] * 8)
    assert len(set(keys)) == 1 and len(keys[0]) == 64
