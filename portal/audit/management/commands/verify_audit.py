"""`manage.py verify_audit`: walk the audit hash chain; exit non-zero naming the first bad event."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from portal.audit.verify import run_verification


class Command(BaseCommand):
    help = ("Verify the audit log's hash chain. Prints the number of events verified, or names the first event "
            "altered, inserted or missing and exits with status 1.")

    def handle(self, *args, **options):
        run = run_verification(requested_by="manage.py verify_audit")
        if not run.ok:
            raise CommandError(run.message)
        self.stdout.write(self.style.SUCCESS(run.message))
