"""The one exception for "the portal refuses this action" (before or instead of calling an upstream)."""


class Refused(Exception):
    """The portal's own rules refuse an action. `reason` is shown to the person as it is."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason
