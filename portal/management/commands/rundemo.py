"""`make run`: the whole demo in one terminal, under honcho, stopped together by Ctrl-C; a process that crashes is
restarted (with a growing pause) by `portal.keepalive` instead of taking the others down."""

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

        def add(name: str, command: str) -> None:
            # Honcho stops everything when one process exits; keepalive restarts a crashed one instead, and still
            # stops on the SIGTERM honcho sends everyone on Ctrl-C.
            manager.add_process(name, shlex.join([python, "-m", "portal.keepalive", name, "--"]) + " " + command,
                                env=env, cwd=str(settings.BASE_DIR))

        if settings.EMBEDDED_REDIS and not embedded_redis.is_up(settings.EMBEDDED_REDIS_SOCKET):
            add("redis", shlex.join(embedded_redis.command(settings.EMBEDDED_REDIS_SOCKET)))
        if not no_sandbox:
            add("sandbox", f"{' '.join(manage)} runsandbox --base-port {settings.SANDBOX_BASE_PORT} --drift")
        add("web", f"{venv_bin}/gunicorn portal.wsgi --bind {host}:{port} --workers 2 --threads 8 --timeout 30 "
                   "--access-logfile -")
        add("worker", f"{venv_bin}/celery -A portal worker --loglevel INFO --concurrency 4")
        add("beat", f"{venv_bin}/celery -A portal beat --loglevel INFO "
                    f"--schedule {settings.VAR_DIR / 'celerybeat-schedule'}")

        self.stdout.write(self.style.SUCCESS(f"\n  Portal: http://{host}:{port}/\n"))
        self.stdout.write(f"  Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, role, name in DEMO_USERS:
            self.stdout.write(f"    {username:<8} {role:<9} {name}")
        self.stdout.write("  Press Ctrl-C to stop everything.\n")
        manager.loop()
        sys.exit(manager.returncode)
