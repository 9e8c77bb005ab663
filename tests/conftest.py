"""Shared fixtures: a real embedded Redis, the sandbox upstreams over real HTTP, named personas, a real Celery worker
and headless Chromium.

Nothing here mocks an upstream: tests talk to the sandbox process, and every response a portal client receives is
checked against the OpenAPI contract (tests/contract.py) unless a test injected a fault on purpose.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.conf import settings

from portal import embedded_redis
from portal.lib import upstream

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"


# --- Redis ----------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def _redis():
    """The embedded Redis when REDIS_URL is unset (a bare machine), else the configured one, flushed of test keys."""
    proc = None
    if settings.EMBEDDED_REDIS and not embedded_redis.is_up(settings.EMBEDDED_REDIS_SOCKET):
        proc = embedded_redis.start(settings.EMBEDDED_REDIS_SOCKET)
    yield
    if proc is not None:
        embedded_redis.stop(proc)
    if settings.VAR_DIR.name.startswith("test-"):
        shutil.rmtree(settings.VAR_DIR, ignore_errors=True)


@pytest.fixture(autouse=True)
def _clear_cache(_redis):
    from django.core.cache import cache

    from portal.lib.redis_guard import breaker

    breaker.succeeded()  # a test that stalled its own Redis leaves this process's breaker closed for the next
    cache.clear()
    yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, plus: before it is dropped, end the sessions that threads of this run left open
    (a thread's Django connection outlives the thread), so PostgreSQL can drop it. The database is this run's own (its
    name carries the run's pid), so nothing else is touched."""
    yield
    from django.db import connection, connections

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock():
        connections.close_all()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        connection.close()


# --- The sandbox ----------------------------------------------------------------------------------------------------


UPSTREAM_NAMES = ("govern", "dss", "apinode-a", "apinode-b")


class _ContractHook:
    """Validates every request a portal client sends, and every response it receives, against the upstream's OpenAPI
    contract. Error answers are checked as `ContractValidator.validate_error` does (the specs declare few of them)."""

    def __init__(self, sandbox):
        self.bases = [sandbox.url(name) for name in UPSTREAM_NAMES]
        self.enabled = True
        self.checked = 0

    def __call__(self, response):
        if not self.enabled:
            return
        from tests.contract import validator_for_url

        base = next((b for b in self.bases if response.url == b or response.url.startswith(b + "/")), None)
        if base is None:
            return
        validator = validator_for_url(base)
        if response.status_code < 400:
            validator.validate(response)
        else:
            validator.validate_error(response, request_valid=True)
        self.checked += 1


@pytest.fixture(scope="session")
def _sandbox_process():
    from tests.sandbox_process import SandboxProcess

    proc = SandboxProcess(future_seconds=1.0)
    proc.start()
    conf_env = {
        "GOVERN_URL": proc.url("govern"),
        "DSS_URL": proc.url("dss"),
        "API_NODES": f"apinode-a={proc.url('apinode-a')},apinode-b={proc.url('apinode-b')}",
    }
    settings.GOVERN["url"] = conf_env["GOVERN_URL"]
    settings.DSS["url"] = conf_env["DSS_URL"]
    for node in settings.API_NODES:
        node["url"] = proc.url(node["id"])
    os.environ.update(conf_env)  # for worker subprocesses
    upstream.reset_clients()
    hook = _ContractHook(proc)
    upstream.response_hooks.append(hook)
    proc.contract_hook = hook
    yield proc
    upstream.response_hooks.remove(hook)
    proc.stop()


@pytest.fixture
def sandbox(_sandbox_process):
    """The sandbox, re-seeded, with no faults and zeroed request counts. Use `sandbox.faults(...)` to inject some."""
    _sandbox_process.reset()
    _sandbox_process.contract_hook.enabled = True
    upstream.reset_clients()  # a test that swapped keys or URLs leaves no client behind
    yield _sandbox_process
    _sandbox_process.reset()


@pytest.fixture
def faults(sandbox):
    """Inject faults: `faults(target="govern", down=True)`. Turns contract checks off for the test (a 503 or a
    garbage body is off-contract on purpose) and clears the faults afterwards."""

    def inject(**knobs):
        sandbox.contract_hook.enabled = False
        sandbox.knobs(**knobs)

    yield inject
    sandbox.knobs(target="all", latency_ms=0, error_rate=0.0, error_status=503, down=False, garbage=False)


# --- Personas -------------------------------------------------------------------------------------------------------


def _make_user(django_user_model, username, role=None, govern_login=""):
    from django.contrib.auth.models import Group

    from portal.models import Profile

    user = django_user_model.objects.create_user(username=username, password="pw-" + username)
    if role:
        group, _ = Group.objects.get_or_create(name=role)
        user.groups.add(group)
        if role == "admin":
            user.is_staff = user.is_superuser = True
            user.save()
    Profile.objects.update_or_create(user=user, defaults={"govern_login": govern_login})
    return user


@pytest.fixture
def reviewer(db, django_user_model):
    """alice: a reviewer whose Govern login is her username."""
    return _make_user(django_user_model, "alice", "reviewer")


@pytest.fixture
def reviewer2(db, django_user_model):
    return _make_user(django_user_model, "bob", "reviewer")


@pytest.fixture
def delegate(db, django_user_model):
    """carol: a reviewer, used as the person a step is delegated to."""
    return _make_user(django_user_model, "carol", "reviewer")


@pytest.fixture
def operator(db, django_user_model):
    return _make_user(django_user_model, "dave", "operator")


@pytest.fixture
def auditor(db, django_user_model):
    return _make_user(django_user_model, "erin", "auditor")


@pytest.fixture
def admin_user(db, django_user_model):
    return _make_user(django_user_model, "frank", "admin")


@pytest.fixture
def outsider(db, django_user_model):
    """Signed in, with no role at all."""
    return _make_user(django_user_model, "mallory")


@pytest.fixture
def everyone(admin_user):
    """One account with every role, so that no answer is a 403."""
    from django.contrib.auth.models import Group

    for role in ("reviewer", "operator", "auditor"):
        admin_user.groups.add(Group.objects.get_or_create(name=role)[0])
    return admin_user


@pytest.fixture
def login(client):
    """`login(user)` signs the Django test client in as `user` and returns the client."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


# --- A real Celery worker -------------------------------------------------------------------------------------------


def worker_env() -> dict[str, str]:
    """The environment a worker subprocess needs to share this test run's database, Redis and sandbox."""
    from django.db import connection

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.test_settings", "PYTHONUNBUFFERED": "1"}
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    else:
        user = db.get("USER") or ""
        host = db.get("HOST") or "127.0.0.1"
        port = db.get("PORT") or 5432
        env["DATABASE_URL"] = f"postgres://{user}@{host}:{port}/{db['NAME']}"
    return env


class CeleryWorker:
    def __init__(self, name: str, log_path: Path):
        self.name = name
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0) -> CeleryWorker:
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "portal", "worker", "--loglevel", "INFO", "--pool", "threads",
             "--concurrency", "4", "--hostname", f"{self.name}@%h", "--without-heartbeat", "--without-gossip",
             "--without-mingle"],
            cwd=ROOT, env=worker_env(), stdout=log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if b"ready." in self.log_path.read_bytes():
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"Celery worker did not start:\n{self.log_path.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL: the worker dies mid-task, as on an OOM kill or a lost machine."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def celery_worker_factory(transactional_db, sandbox, tmp_path, settings):
    """Start real Celery worker processes (`start()`), stopped at the end of the test. Needs committed data, hence
    transactional_db. Tasks are sent through the real Redis broker."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    workers: list[CeleryWorker] = []

    def start(name: str = "w1") -> CeleryWorker:
        worker = CeleryWorker(name, tmp_path / f"celery-{name}.log").start()
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture
def celery_beat(celery_worker_factory, tmp_path):
    """`celery_beat()` starts a real beat process (its schedule file in tmp_path), stopped at the end of the test."""
    procs: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        log = open(tmp_path / "celery-beat.log", "ab")  # noqa: SIM115 - handed to the child
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "portal", "beat", "--loglevel", "INFO",
             "--schedule", str(tmp_path / "celerybeat-schedule")],
            cwd=ROOT, env=worker_env(), stdout=log, stderr=subprocess.STDOUT,
        )
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.fixture
def celery_worker(celery_worker_factory):
    return celery_worker_factory()


# --- Headless Chromium ----------------------------------------------------------------------------------------------


def chromium_path() -> str | None:
    for candidate in (os.environ.get("PLAYWRIGHT_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: .ci/run installs the Debian package 'chromium'.")
        pytest.skip("Chromium is not installed (apt-get install chromium); browser tests skipped.")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an asyncio loop in this thread; Django then refuses ORM calls from it unless told
    # that this (test-only) thread is safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=path,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, sandbox):
    """A fresh browser page against the live test server; `page.portal_login(user)` signs in through the form."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(15000)

    def portal_login(user, password=None):
        pg.goto("/login/")
        pg.fill("#id_username", user.username)
        pg.fill("#id_password", password or "pw-" + user.username)
        pg.click("button[type=submit]")
        pg.wait_for_url(lambda url: "/login" not in url)

    pg.portal_login = portal_login
    yield pg
    context.close()


def save_screenshot(page, name: str) -> Path:
    """Save a screenshot into test-artifacts/ (kept by CI) and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# --- A private Redis to stall -------------------------------------------------------------------------------------


class PrivateRedis:
    """A redis-server of the test's own on a unix socket, which the test may stall (SIGSTOP: connections are still
    accepted by the kernel, but nothing answers) or stop; never the run's shared Redis."""

    def __init__(self):
        # A short directory: a unix socket path is limited to about 100 bytes.
        self.dir = Path(tempfile.mkdtemp(prefix="rg-"))
        self.socket = self.dir / "redis.sock"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}?db=0"

    @property
    def broker_url(self) -> str:
        return f"redis+socket://{self.socket}"

    def start(self) -> PrivateRedis:
        self.proc = embedded_redis.start(self.socket)
        return self

    def freeze(self) -> None:
        os.kill(self.proc.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.proc.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.thaw()
            embedded_redis.stop(self.proc)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def private_redis():
    """A started `PrivateRedis`, stopped and removed at the end of the test."""
    server = PrivateRedis().start()
    yield server
    server.close()
