"""HTTP load on gunicorn + PostgreSQL on this machine: order creation (validation and
pricing), configuration propagation and tracking reads, next to a plain Flask "hello".

    apt-get install wrk                                   # the load generator
    flock /tmp/mc-bench.lock .venv/bin/python benchmarks/load.py [--quick]

The script drops and re-creates the database ``mcbackend_load`` next to
``MC_LOAD_POSTGRES_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``),
migrates it, loads the demo tenant, and starts ``gunicorn -c gunicorn.conf.py wsgi:app``
as in production (its defaults: one process per core plus one, 2 threads each;
``WEB_CONCURRENCY`` and ``GUNICORN_THREADS`` override them; one JSON log line per request
into a file; the embedded webhook/e-mail dispatcher running). Rate limits are switched off
(``MC_RATE_LIMIT_ENABLED=false``): at 600 requests a minute per key they would turn the
measurement into one of the limiter. The "hello" ceiling is
benchmarks/hello.py under the same gunicorn settings, measured in the same run.

Load comes from wrk in a second process: one thread, a fixed number of open connections,
each sending its next request as soon as the previous one is answered; Lua scripts make the
POST bodies and read the percentiles. wrk rather than locust: locust's Python users would
need about as much CPU as the server they load, and there are only two cores. Phase order:
hello, order creation, propagation, tracking reads; before propagation the embedded
dispatchers are given time to fan out the new orders' events (the time is printed), so the
later phases are measured without that backlog. Every non-2xx answer is counted, and the
last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, exists, func, select, text
from sqlalchemy.engine import make_url

from mcbackend.adapters import orm
from mcbackend.adapters.database import Database
from mcbackend.adapters.migrations import upgrade
from mcbackend.demo import seed

ROOT = Path(__file__).resolve().parents[1]
ADMIN_URL = os.environ.get(
    "MC_LOAD_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
DATABASE = "mcbackend_load"
CUSTOMER = {"name": "Anna Schmidt", "contact": "anna@example.com", "language": "de"}
ADDRESS = {"name": "Anna Schmidt", "street": "Hauptstr. 1", "postal_code": "04109",
           "city": "Leipzig", "country": "DE"}
TRACKED_ORDERS = 50

# wrk Lua: requests cycle through a list of paths and bodies; done() prints one JSON line.
WRK_SCRIPT = """
local requests = {}
local paths = {%(paths)s}
local body = %(body)s
local counter = 0

function init(args)
  for i, path in ipairs(paths) do
    requests[i] = wrk.format(%(method)s, path, {
      ["Authorization"] = "Bearer %(key)s",
      ["Content-Type"] = "application/json",
    }, body)
  end
end

function request()
  counter = counter %% #requests + 1
  return requests[counter]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p99_us": %%d, "max_us": %%d, ' ..
    '"non_2xx_or_3xx": %%d, "socket_errors": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.status, e.connect + e.read + e.write + e.timeout))
end
"""


def lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string literal is a valid Lua string literal here


def fresh_database() -> str:
    admin = make_url(ADMIN_URL)
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    engine.dispose()
    return admin.set(database=DATABASE).render_as_string(hide_password=False)


def drop_database() -> None:
    engine = create_engine(make_url(ADMIN_URL), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
    engine.dispose()


def seeded(url: str) -> str:
    """Migrate and load the demo tenant; returns its admin API key."""
    upgrade(url)
    database = Database(url)
    key = seed.load_demo(database.session_factory).admin_key
    database.dispose()
    return key


class Gunicorn:
    """``gunicorn -c gunicorn.conf.py <app>`` as a child process, its log in a file."""

    def __init__(self, app: str, port: int, env: dict[str, str], log: Path,
                 extra: tuple[str, ...] = ()) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.log = log
        env = {**os.environ, **env, "PORT": str(port)}
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # gunicorn.conf.py makes a fresh one
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py",
             *extra, app],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log.open("ab"),
            start_new_session=True,
        )

    def wait_ready(self, path: str, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {self.log}")
            try:
                with urllib.request.urlopen(self.base + path, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:  # refused, reset or slow while the workers boot
                pass
            time.sleep(0.2)
        raise SystemExit(f"gunicorn not ready after {timeout_s} s; see {self.log}")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def call(base: str, key: str, method: str, path: str, body: Any = None) -> Any:
    request = urllib.request.Request(
        base + path, method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def wrk(base: str, paths: list[str], args: argparse.Namespace, workdir: Path, *,
        method: str = "GET", body: Any = None, key: str = "") -> dict[str, float]:
    script = workdir / f"phase_{len(list(workdir.glob('phase_*.lua')))}.lua"
    script.write_text(WRK_SCRIPT % {
        "paths": ", ".join(lua_string(p) for p in paths),
        "body": "nil" if body is None else lua_string(json.dumps(body)),
        "method": lua_string(method),
        "key": key,
    })
    output = subprocess.run(
        ["wrk", "-t1", f"-c{args.connections}", f"-d{args.duration}s", "--timeout", "10s",
         "-s", str(script), base + paths[0]],
        capture_output=True, text=True, check=True,
    ).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    seconds = figures["duration_us"] / 1e6
    return {
        "requests": figures["requests"],
        "per_s": figures["requests"] / seconds,
        "p50_ms": figures["p50_us"] / 1000,
        "p99_ms": figures["p99_us"] / 1000,
        "max_ms": figures["max_us"] / 1000,
        "errors": figures["non_2xx_or_3xx"] + figures["socket_errors"],
    }


def drain_outbox(url: str, timeout_s: float = 600) -> float:
    """Seconds until the embedded dispatchers have fanned out every event written so far, so
    that the next phase is not measured against their catch-up."""
    engine = create_engine(url)
    waiting = select(func.count()).where(
        ~exists().where(orm.OutboxDispatch.event_id == orm.OutboxEvent.id)
    )
    start = time.monotonic()
    try:
        while time.monotonic() - start < timeout_s:
            with engine.connect() as conn:
                if conn.execute(waiting).scalar_one() == 0:
                    break
            time.sleep(0.5)
    finally:
        engine.dispose()
    return time.monotonic() - start


def scraped_count(base: str, method: str, route: str) -> int:
    """Requests of one route counted by /metrics, summed over all gunicorn workers."""
    with urllib.request.urlopen(base + "/metrics", timeout=10) as response:
        lines = response.read().decode().splitlines()
    prefix = "mcbackend_http_request_duration_seconds_count{"
    wanted = (f'method="{method}"', f'endpoint="{route}"')
    return int(sum(
        float(line.rsplit(" ", 1)[1]) for line in lines
        if line.startswith(prefix) and all(w in line for w in wanted)
    ))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 s phases instead of 30 s")
    parser.add_argument("--connections", type=int, default=16, help="open wrk connections")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    args.duration = 10 if args.quick else 30
    if not shutil.which("wrk"):
        raise SystemExit("wrk not found: apt-get install wrk")

    workdir = Path(tempfile.mkdtemp(prefix="mcbackend-load-"))
    processes = os.environ.get("WEB_CONCURRENCY", (os.cpu_count() or 1) + 1)
    threads = os.environ.get("GUNICORN_THREADS", 2)
    print(f"gunicorn {processes} processes x {threads} threads, wrk 1 thread x "
          f"{args.connections} connections, {args.duration} s per phase; logs in {workdir}")
    results: dict[str, dict[str, float]] = {}

    hello = Gunicorn("hello:app", args.port, {}, workdir / "hello.log",
                     ("--pythonpath", "benchmarks"))
    try:
        hello.wait_ready("/hello")
        results["hello"] = wrk(hello.base, ["/hello"], args, workdir)
    finally:
        hello.stop()

    url = fresh_database()
    key = seeded(url)
    env = {"MC_DATABASE_URL": url, "MC_RATE_LIMIT_ENABLED": "false",
           "MC_FILES_DIR": str(workdir / "files")}
    server = Gunicorn("wsgi:app", args.port, env, workdir / "mcbackend.log")
    try:
        server.wait_ready("/readyz")
        products = call(server.base, key, "GET", "/api/v1/products?page_size=50")
        sofa = next(p["id"] for p in products if p["sku"] == "SOFA-SECTIONAL")
        configurator = f"/api/v1/products/{sofa}/configurator"
        configuration = call(server.base, key, "POST", f"{configurator}/complete", {
            "configuration": {"layout": "l_shape", "chaise_left": True}})["configuration"]
        order = {"mode": "pre", "customer": CUSTOMER, "delivery_address": ADDRESS,
                 "lines": [{"product_id": sofa, "configuration": configuration}]}
        tokens = [call(server.base, key, "POST", "/api/v1/orders", order)["tracking_token"]
                  for _ in range(TRACKED_ORDERS)]
        drain_outbox(url)
        before = scraped_count(server.base, "POST", "/api/v1/orders")
        results["orders"] = wrk(server.base, ["/api/v1/orders"], args, workdir,
                                method="POST", body=order, key=key)
        counted = scraped_count(server.base, "POST", "/api/v1/orders") - before
        drained_s = drain_outbox(url)
        results["propagate"] = wrk(
            server.base, [f"{configurator}/propagate"], args, workdir, method="POST",
            body={"configuration": {"chaise_left": True}}, key=key)
        results["tracking"] = wrk(server.base, [f"/api/v1/track/{t}" for t in tokens],
                                  args, workdir)
    finally:
        server.stop()
    drop_database()

    print(f"{'phase':<10} {'requests':>9} {'per s':>8} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'max ms':>8} {'errors':>7}")
    for phase, r in results.items():
        print(f"{phase:<10} {r['requests']:>9} {r['per_s']:>8.0f} {r['p50_ms']:>8.1f} "
              f"{r['p99_ms']:>8.1f} {r['max_ms']:>8.1f} {r['errors']:>7}")
    print(f"/metrics counted {counted} of {results['orders']['requests']} order creations "
          f"across {processes} processes; the dispatchers fanned out their events "
          f"{drained_s:.0f} s after the phase")
    print(json.dumps({
        "orders_per_s": round(results["orders"]["per_s"], 1),
        "orders_p99_ms": round(results["orders"]["p99_ms"], 1),
        "tracking_per_s": round(results["tracking"]["per_s"], 1),
        "hello_per_s": round(results["hello"]["per_s"], 1),
    }))


if __name__ == "__main__":
    main()
