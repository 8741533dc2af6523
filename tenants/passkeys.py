"""Passkeys and security keys (django-otp-webauthn), bound to the host the browser is on.

The relying party id is the request's host (ALLOWED_HOSTS vets it), the allowed origin that
host with the request's scheme: a page relayed by another site presents its own origin and
is refused. A passkey is a second factor only (OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN off).
"""

from django.http.request import split_domain_port
from django.utils.translation import gettext
from django_otp_webauthn.helpers import WebAuthnHelper

from .audit import Origin
from .two_factor_services import record_enrolment


def relying_party_id(request) -> str:
    return split_domain_port(request.get_host())[0]


class PortalWebAuthnHelper(WebAuthnHelper):
    def get_allowed_origins(self) -> list[str]:
        return [f"{self.request.scheme}://{self.request.get_host()}"]

    def create_credential(self, user, *args, **kwargs):
        device = super().create_credential(user, *args, **kwargs)
        device.name = gettext("Passkey")
        return device

    def register_complete(self, user, state, data):
        device = super().register_complete(user=user, state=state, data=data)
        record_enrolment(
            user=user,
            device=device,
            origin=Origin.from_request(self.request, "ui"),
            keep_key=self.request.session.session_key,
        )
        return device
