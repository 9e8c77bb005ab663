"""`manage.py runredis`: the embedded redis-server of the demo, in the foreground."""

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal import embedded_redis


class Command(BaseCommand):
    help = "Run the embedded Redis in the foreground (used when REDIS_URL is unset)."

    def handle(self, *args, **options):
        if not settings.EMBEDDED_REDIS:
            raise CommandError("REDIS_URL is set: the portal uses that Redis, not an embedded one.")
        socket_path = settings.EMBEDDED_REDIS_SOCKET
        if embedded_redis.is_up(socket_path):
            raise CommandError(f"An embedded Redis already answers on {socket_path}.")
        socket_path.parent.mkdir(parents=True, exist_ok=True)
        cmd = embedded_redis.command(socket_path)
        self.stdout.write(f"embedded Redis on unix://{socket_path}")
        os.execv(cmd[0], cmd)
