"""`manage.py seed_demo`: the role groups and the demo users."""

from django.core.management.base import BaseCommand

from portal.demo import DEMO_PASSWORD, seed_demo_users


class Command(BaseCommand):
    help = "Create the roles and one demo user per role (password: portal-demo)."

    def handle(self, *args, **options):
        for username, role in seed_demo_users():
            self.stdout.write(f"  {username:<8} {role:<9} password: {DEMO_PASSWORD}")
