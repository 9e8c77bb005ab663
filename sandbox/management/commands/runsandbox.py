"""``manage.py runsandbox``: a thin wrapper around ``python -m sandbox``."""

from argparse import Namespace

from django.core.management.base import BaseCommand

from sandbox.cli import add_arguments, run


class Command(BaseCommand):
    """Run the Govern / DSS / API node stand-ins until interrupted."""

    help = "Run the Dataiku sandbox upstreams (Govern, DSS Project Deployer, two API nodes)."

    def add_arguments(self, parser):
        """Reuse the sandbox CLI flags so both entry points stay identical."""
        add_arguments(parser)

    def handle(self, *args, **options):
        """Start the servers and block until SIGINT/SIGTERM."""
        run(Namespace(**options))
