"""`make run`: the whole demo in one terminal, under honcho, stopped together by Ctrl-C."""

import os
import shlex
import sys

from django.conf import settings
from django.core.management.base import BaseCommand
from honcho.manager import Manager
from honcho.printer import Printer

from portal import embedded_redis
from portal.demo import DEMO_PASSWORD, DEMO_USERS


class Command(BaseCommand):
    help = "Run the embedded Redis (if REDIS_URL is unset), the sandbox, gunicorn, a Celery worker and beat."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("PORTAL_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORTAL_PORT", "8000")))
        parser.add_argument(
            "--no-sandbox", action="store_true", help="Use the upstreams configured in the environment."
        )

    def handle(self, *args, host, port, no_sandbox, **options):
        python = sys.executable
        manage = [python, str(settings.BASE_DIR / "manage.py")]
        venv_bin = os.path.dirname(python)
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}

        manager = Manager(Printer(sys.stdout))
        if settings.EMBEDDED_REDIS and not embedded_redis.is_up(settings.EMBEDDED_REDIS_SOCKET):
            manager.add_process("redis", shlex.join(embedded_redis.command(settings.EMBEDDED_REDIS_SOCKET)), env=env)
        if not no_sandbox:
            manager.add_process(
                "sandbox",
                f"{' '.join(manage)} runsandbox --base-port {settings.SANDBOX_BASE_PORT} --drift",
                env=env,
            )
        manager.add_process(
            "web",
            f"{venv_bin}/gunicorn portal.wsgi --bind {host}:{port} --workers 2 --threads 8 --timeout 30 "
            "--access-logfile -",
            env=env,
        )
        manager.add_process("worker", f"{venv_bin}/celery -A portal worker --loglevel INFO --concurrency 4", env=env)
        manager.add_process(
            "beat",
            f"{venv_bin}/celery -A portal beat --loglevel INFO --schedule {settings.VAR_DIR / 'celerybeat-schedule'}",
            env=env,
        )

        self.stdout.write(self.style.SUCCESS(f"\n  Portal: http://{host}:{port}/\n"))
        self.stdout.write(f"  Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, role, name in DEMO_USERS:
            self.stdout.write(f"    {username:<8} {role:<9} {name}")
        self.stdout.write("  Press Ctrl-C to stop everything.\n")
        manager.loop()
        sys.exit(manager.returncode)
