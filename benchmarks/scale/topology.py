"""The scale-out deployment as processes on loopback, each on a free port, each in its own process group.

:class:`Topology` starts PostgreSQL (a cluster of its own under the run folder, or a scratch database on a given
server), Redis, ``n_api`` ``skylabel serve`` processes (``SKYLABEL_PROCESS_NAME=api-1``, ``api-2``, ...: the
``X-Skylabel-Process`` header of every answer), nginx in front of them (nginx/skylabel.conf.template, the file
docker-compose's ``proxy`` service uses) and one Celery worker, all sharing one data directory; it migrates
once and ingests the demo galaxy. :meth:`Topology.stop` (also on leaving the ``with`` block) ends every process
group it started, SIGTERM then SIGKILL, so nothing is left behind; :meth:`kill_api` and :meth:`kill_worker`
are ``kill -9`` of one of them (the topology test), :meth:`start_worker` a replacement.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from benchmarks.scale.nginx_config import find_nginx, write_config
from benchmarks.server import free_port

STOP_GRACE_S = 10.0


class TopologyError(RuntimeError):
    """A part of the topology is missing or did not start (the message names it and its log)."""


@dataclass
class Part:
    name: str
    proc: subprocess.Popen[bytes]
    log: Path
    stop_signal: signal.Signals = signal.SIGTERM

    def alive(self) -> bool:
        return self.proc.poll() is None

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def stop_on_sigterm() -> None:
    """SIGTERM ends the command like Ctrl-C (KeyboardInterrupt), so its ``with``/``finally`` stops every process."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def postgres_bin() -> Path | None:
    """The newest Debian PostgreSQL's bin folder (``postgres``, ``initdb``), or None."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parent.parent.name))
    if found:
        return found[-1].parent
    which = shutil.which("postgres")
    return Path(which).parent if which else None


def missing_programs() -> list[str]:
    """What the topology needs and this machine lacks (``make test-deps`` installs them)."""
    missing = []
    if find_nginx() is None:
        missing.append("nginx")
    if shutil.which("redis-server") is None:
        missing.append("redis-server")
    return missing


def _wait(what: str, ready: Callable[[], bool], part: Part | None, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if part is not None and not part.alive():
            raise TopologyError(f"{what} exited with code {part.proc.returncode}; its log {part.log}:\n{part.tail()}")
        if time.monotonic() > deadline:
            tail = f"; its log {part.log}:\n{part.tail()}" if part else ""
            raise TopologyError(f"{what} not ready within {timeout:.0f} s{tail}")
        time.sleep(0.2)


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


@dataclass
class Topology:
    """``run_dir`` holds every log, the nginx and Redis files and (without ``postgres_url``) the PostgreSQL
    cluster; ``data_dir`` is the data directory all API processes and workers share."""

    run_dir: Path
    data_dir: Path
    n_api: int = 2
    postgres_url: str | None = None
    demo_size: int = 1024
    detect: bool = True
    quiet: bool = False
    extra_env: dict[str, str] = field(default_factory=dict)  # e.g. SKYLABEL_AUTH for every process
    database_url: str = ""
    broker_url: str = ""
    proxy_port: int = 0
    api_ports: list[int] = field(default_factory=list)
    image_id: int | None = None
    parts: dict[str, Part] = field(default_factory=dict)
    _scratch_url: str | None = None
    _workers_started: int = 0

    # -- life cycle ---------------------------------------------------------------------------------------

    def __enter__(self) -> Topology:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.proxy_port}"

    def api_url(self, index: int) -> str:
        """Base URL of API process ``index`` (1-based, as its name api-N), bypassing the proxy."""
        return f"http://127.0.0.1:{self.api_ports[index - 1]}"

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of every skylabel process of the topology."""
        return {**os.environ, "SKYLABEL_DATA_DIR": str(self.data_dir), "SKYLABEL_DATABASE_URL": self.database_url,
                "SKYLABEL_BROKER_URL": self.broker_url, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                "PYTHONUNBUFFERED": "1", **self.extra_env, **extra}

    def start(self) -> None:
        missing = missing_programs()
        if missing:
            raise TopologyError(f"missing {', '.join(missing)}: run `make test-deps` (apt-get install nginx "
                                "redis-server)")
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._start_postgres()
        self._start_redis()
        self._setup()
        for i in range(1, self.n_api + 1):
            self.start_api(i)
        self._start_nginx()
        self.start_worker()

    def stop(self) -> None:
        """End every process group started, newest first (proxy before APIs, PostgreSQL last)."""
        for name in reversed(list(self.parts)):
            self._end(self.parts.pop(name))
        if self._scratch_url:
            from backend.db.scratch import drop_scratch_database

            try:
                drop_scratch_database(self._scratch_url)
            finally:
                self._scratch_url = None

    def _end(self, part: Part, sig: signal.Signals | None = None) -> None:
        sig = sig or part.stop_signal
        if part.alive():
            try:
                os.killpg(part.proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                part.proc.wait(timeout=STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                pass
        try:  # the group too: a worker's pool children, a server's reloader
            os.killpg(part.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        part.proc.wait()

    def _spawn(self, name: str, argv: list[str], env: dict[str, str] | None = None,
               user: str | None = None) -> Part:
        log = self.run_dir / f"{name}.log"
        if user is not None:
            argv = ["runuser", "-u", user, "--", *argv]
        out = open(log, "ab")  # noqa: SIM115  (the child holds it; closed here once it is started)
        try:
            proc = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=True, cwd=self.run_dir)
        finally:
            out.close()
        part = Part(name, proc, log)
        self.parts[name] = part
        return part

    def _say(self, message: str) -> None:
        if not self.quiet:
            print(f"scale: {message}", file=sys.stderr, flush=True)

    # -- the parts ----------------------------------------------------------------------------------------

    def _start_postgres(self) -> None:
        if self.postgres_url:
            from backend.db.scratch import create_scratch_database

            self._scratch_url = self.database_url = create_scratch_database(self.postgres_url, "skylabel_scale")
            self._say(f"PostgreSQL: scratch database on {self.postgres_url.rsplit('@', 1)[-1]}")
            return
        bindir = postgres_bin()
        if bindir is None:
            raise TopologyError("PostgreSQL is not installed: run `make test-deps` (apt-get install postgresql)")
        cluster = self.run_dir / "postgres"
        user = "postgres" if os.geteuid() == 0 else None  # PostgreSQL refuses to run as root
        if not (cluster / "PG_VERSION").is_file():
            cluster.mkdir(parents=True, exist_ok=True)
            if user:
                shutil.chown(cluster, user, user)
            self._say(f"PostgreSQL: new cluster in {cluster}")
            initdb = [str(bindir / "initdb"), "-D", str(cluster), "-U", "skylabel", "--auth=trust", "-E", "UTF8",
                      "--no-sync"]
            done = subprocess.run(["runuser", "-u", user, "--", *initdb] if user else initdb,
                                  capture_output=True, text=True, cwd="/")
            if done.returncode:
                raise TopologyError(f"initdb failed: {done.stderr or done.stdout}")
        port = free_port()
        part = self._spawn("postgres", [str(bindir / "postgres"), "-D", str(cluster), "-p", str(port),
                                        "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={cluster}",
                                        "-c", "max_connections=200", "-c", "fsync=off"], user=user)
        part.stop_signal = signal.SIGINT  # PostgreSQL's fast shutdown (SIGTERM waits for every session)
        _wait("PostgreSQL", lambda: _port_open(port), part, 60)
        admin = f"postgresql+psycopg://skylabel@127.0.0.1:{port}/postgres"
        self.database_url = admin.rsplit("/", 1)[0] + "/skylabel"
        from sqlalchemy import create_engine, text

        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        try:
            for _ in range(50):  # the port opens a moment before it accepts sessions
                try:
                    with engine.connect() as conn:
                        if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = 'skylabel'")) is None:
                            conn.execute(text("CREATE DATABASE skylabel"))
                    break
                except Exception:  # noqa: BLE001  (starting up: retry)
                    time.sleep(0.2)
            else:
                raise TopologyError(f"PostgreSQL on port {port} does not accept sessions; log {part.log}")
        finally:
            engine.dispose()
        self._say(f"PostgreSQL on 127.0.0.1:{port}")

    def _start_redis(self) -> None:
        port = free_port()
        redis_dir = self.run_dir / "redis"
        redis_dir.mkdir(exist_ok=True)
        part = self._spawn("redis", [shutil.which("redis-server") or "redis-server", "--port", str(port),
                                     "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                     "--dir", str(redis_dir)])
        _wait("Redis", lambda: _port_open(port), part, 30)
        self.broker_url = f"redis://127.0.0.1:{port}/0"
        self._say(f"Redis on 127.0.0.1:{port}")

    def _cli(self, *args: str, timeout: float = 900) -> str:
        done = subprocess.run([sys.executable, "-m", "backend.cli", *args], env=self.env(), capture_output=True,
                              text=True, timeout=timeout, cwd=self.run_dir)
        if done.returncode:
            raise TopologyError(f"skylabel {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
        return done.stdout

    def _setup(self) -> None:
        """Migrate once (the API processes then find the schema current), ingest the demo, detect its sources."""
        self._say("migrating the database")
        self._cli("migrate")
        self._say(f"demo galaxy ({self.demo_size} px): simulating and ingesting if missing")
        self._cli("demo", "--no-serve", "--size", str(self.demo_size))
        images = json.loads(self._cli("images", "--json"))
        image = next(i for i in images if i["name"] == "demo-galaxy")
        self.image_id = int(image["id"])
        if self.detect and not self._has_sources():
            self._say("detecting the demo's sources")
            self._cli("detect", str(self.image_id), "--json")

    def _has_sources(self) -> bool:
        from sqlalchemy import create_engine, text

        engine = create_engine(self.database_url)
        try:
            with engine.connect() as conn:
                return conn.scalar(text("SELECT 1 FROM sources WHERE image_id = :i LIMIT 1"),
                                   {"i": self.image_id}) is not None
        finally:
            engine.dispose()

    def start_api(self, index: int) -> Part:
        """Start (or start again) API process ``api-<index>`` on its port (a new one the first time)."""
        if len(self.api_ports) < index:
            self.api_ports.append(free_port())
        port = self.api_ports[index - 1]
        name = f"api-{index}"
        part = self._spawn(name, [sys.executable, "-m", "backend.cli", "serve", "--host", "127.0.0.1", "--port",
                                  str(port), "--log-level", "warning"], env=self.env(SKYLABEL_PROCESS_NAME=name))
        _wait(name, lambda: _http_ok(f"http://127.0.0.1:{port}/api/health"), part, 90)
        self._say(f"{name} on 127.0.0.1:{port}")
        return part

    def _start_nginx(self) -> None:
        self.proxy_port = self.start_proxy("nginx", self.api_ports)

    def start_proxy(self, name: str, api_ports: list[int]) -> int:
        """Start nginx ``name`` in front of ``api_ports`` on a free port (``skylabel bench scale`` adds one in
        front of a single process); returns its port."""
        port = free_port()
        folder = self.run_dir / name
        conf = write_config(folder, port, api_ports)
        nginx = find_nginx() or "nginx"
        check = subprocess.run([nginx, "-t", "-q", "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log")],
                               capture_output=True, text=True)
        if check.returncode:
            raise TopologyError(f"nginx rejects {conf}: {check.stderr}")
        part = self._spawn(name, [nginx, "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log")])
        _wait(name, lambda: _http_ok(f"http://127.0.0.1:{port}/api/health"), part, 30)
        self._say(f"{name} on 127.0.0.1:{port} in front of {', '.join(map(str, api_ports))}")
        return port

    def start_worker(self) -> Part:
        """Start a Celery worker (``worker-1``, ``worker-2``, ...), ready when it says so in its log."""
        self._workers_started += 1
        name = f"worker-{self._workers_started}"
        part = self._spawn(name, [sys.executable, "-m", "celery", "-A", "backend.worker.celery_app:celery", "worker",
                                  "--loglevel=info", "--concurrency=1", "--without-gossip", "--without-mingle",
                                  "-n", f"{name}@%h"], env=self.env())
        _wait(name, lambda: " ready." in part.log.read_text(errors="replace"), part, 120)
        self._say(f"Celery {name} ready (pid {part.proc.pid})")
        return part

    def kill(self, name: str) -> None:
        """``kill -9`` of the part's whole process group (a lost machine: no clean-up of any kind)."""
        part = self.parts.pop(name)
        self._end(part, signal.SIGKILL)

    def kill_api(self, index: int) -> None:
        self.kill(f"api-{index}")

    def kill_worker(self) -> None:
        self.kill(f"worker-{self._workers_started}")

    def dead_parts(self) -> list[str]:
        return [name for name, part in self.parts.items() if not part.alive()]
