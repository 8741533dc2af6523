"""Recovery codes and session records: the models of two-factor sign-in that are the portal's
own (TOTP devices and passkeys are django-otp's and django-otp-webauthn's).

Registered with the tenants app by `tenants.models`; this module does not import it.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin

# Ten codes of ten characters from a 32-letter alphabet without look-alikes (50 bits each).
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def normalise_code(code: str) -> str:
    return "".join(c for c in code.lower() if c.isalnum())


def code_digest(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


class RecoveryCodes(ThrottlingMixin, Device):
    """A user's one-time recovery codes, as a django-otp device: each code signs in once.

    Only SHA-256 digests are kept (the codes are random, 50 bits each): the codes themselves
    are shown once, when made.
    """

    digests = models.JSONField(default=list)

    class Meta(Device.Meta):
        verbose_name = _("recovery codes")

    def get_throttle_factor(self) -> int:
        return 1

    def remaining(self) -> int:
        return len(self.digests)

    def renew(self) -> list[str]:
        """New codes replace the old ones; the caller shows them once."""
        codes = [
            "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
            for _ in range(RECOVERY_CODE_COUNT)
        ]
        self.digests = [code_digest(code) for code in codes]
        self.confirmed = True
        self.save()
        return [f"{code[:5]}-{code[5:]}" for code in codes]

    def verify_token(self, token) -> bool:
        allowed, _details = self.verify_is_allowed()
        if not allowed:
            return False
        with transaction.atomic():
            locked = type(self).objects.select_for_update().get(pk=self.pk)
            digest = code_digest(str(token))
            if digest in locked.digests:
                locked.digests.remove(digest)
                locked.throttling_failure_count = 0
                locked.throttling_failure_timestamp = None
                locked.save()
                self.digests = locked.digests
                return True
            locked.throttle_increment()
        return False


class UserSession(models.Model):
    """One signed-in browser session: what the user's Sessions list shows and ends.

    Written at sign-in and refreshed at most once a minute (`tenants.user_sessions`); the
    session itself stays in Django's session store, keyed by `session_key`.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signed_in_sessions"
    )
    session_key = models.CharField(max_length=40, unique=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("signed in"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen"), default=timezone.now)

    class Meta:
        ordering = ["-last_seen_at", "-id"]

    def __str__(self):
        return f"{self.user_id} {self.user_agent[:40]} {self.ip_address or ''}"
