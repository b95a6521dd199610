"""The console script: migrations, tenants, keys, and `serve` answering over real HTTP."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from mcbackend.cli import main


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("MC_DATABASE_URL", url)
    return url


def test_db_upgrade_tenant_and_key_create(cli_env):
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    created = runner.invoke(main, ["tenant", "create", "acme", "Acme Furniture"])
    assert created.exit_code == 0, created.output
    assert "mck_" in created.output
    key = runner.invoke(
        main,
        ["key", "create", "--tenant", "acme", "--role", "shopfloor", "--name", "floor terminal"],
    )
    assert key.exit_code == 0 and key.output.startswith("mck_")
    duplicate = runner.invoke(main, ["tenant", "create", "acme", "Again"])
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output
    unknown = runner.invoke(
        main, ["key", "create", "--tenant", "nobody", "--role", "admin", "--name", "x"]
    )
    assert unknown.exit_code != 0 and "not found" in unknown.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_migrates_seeds_and_answers(tmp_path):
    port = _free_port()
    env = {**os.environ, "MC_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}"}
    script = Path(sys.executable).with_name("mcbackend")
    proc = subprocess.Popen(
        [str(script), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        key = None
        deadline = time.monotonic() + 60
        while key is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            assert line, "serve exited before printing a key"
            if "export MC_KEY=" in line:
                key = line.split("=", 1)[1].strip()
        assert key, "serve printed no demo key"
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/products",
            headers={"Authorization": f"Bearer {key}"},
        )
        for _ in range(100):
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    products = json.loads(response.read())
                break
            except OSError:
                time.sleep(0.2)
        assert {p["sku"] for p in products} >= {"SOFA-SECTIONAL"}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_fjsp_command_prints_one_checked_json_line(tmp_path):
    instance = tmp_path / "tiny.fjs"
    # 2 jobs, 2 machines: job 1 = op(m1:3 | m2:5) → op(m2:2); job 2 = op(m1:4)
    instance.write_text("2\t2\t1.5\n2 2 1 3 2 5 1 2 2\n1 1 1 4\n")
    result = CliRunner().invoke(main, ["fjsp", str(instance), "--time-limit", "5",
                                       "--workers", "1"])
    assert result.exit_code == 0, result.output
    line = json.loads(result.output.strip().splitlines()[-1])
    assert line["instance"] == "tiny"
    assert line["makespan"] == 7 and line["lower_bound"] == 7
    assert line["status"] == "optimal"
