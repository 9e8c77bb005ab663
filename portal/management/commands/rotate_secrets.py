"""`manage.py rotate_secrets`: re-encrypt every stored secret (personal Govern API keys) under the newest key."""

from cryptography.fernet import InvalidToken
from django.core.management.base import BaseCommand
from django.db import transaction

from portal.lib import secretbox
from portal.models import Profile


class Command(BaseCommand):
    help = "Re-encrypt the personal Govern API keys under the first key of PORTAL_FERNET_KEYS (after adding it)."

    def handle(self, *args, **options):
        rotated = unreadable = 0
        with transaction.atomic():
            for profile in Profile.objects.select_for_update().exclude(govern_api_key_sealed=""):
                try:
                    sealed = secretbox.rotate(profile.govern_api_key_sealed)
                except InvalidToken:
                    unreadable += 1
                    self.stderr.write(f"  {profile.user.get_username()}: no configured key opens it; ask for a new one")
                    continue
                Profile.objects.filter(pk=profile.pk).update(govern_api_key_sealed=sealed)
                rotated += 1
        self.stdout.write(f"{rotated} key(s) re-encrypted under the newest key; {unreadable} unreadable.")
