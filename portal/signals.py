"""Every new user gets a profile; `govern_key_saved` tells the apps that a person saved a new Govern API key (the
reviewers' workspace then retries that person's actions that waited for one)."""

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import Signal, receiver

from portal.models import Profile

# Sent with `user=` after a personal Govern API key is saved (inside the saving transaction).
govern_key_saved = Signal()


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def create_profile(sender, instance, created, **kwargs):
    if created:
        Profile.objects.get_or_create(user=instance)
