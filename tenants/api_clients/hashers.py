"""How API client secrets are stored: an HMAC-SHA256 keyed with SECRET_KEY.

django-oauth-toolkit stores a client secret with a Django password hasher
(`OAUTH2_PROVIDER["CLIENT_SECRET_HASHER"]`), by default the one for passwords: PBKDF2 at
1,000,000 iterations, about 2 s of CPU per check. That cost exists to slow the guessing of
a password people chose from a small space. A client secret is 128 random characters made
by the portal (`oauth2_provider.generators.generate_client_secret`, over 700 bits): nobody
can guess it however fast each guess is, so a slow hash only made every token request (and
every wrong one, from anyone) cost 2 s of a worker. A keyed digest keeps what matters: the
database alone does not hold the secret nor let anyone test candidates without SECRET_KEY,
and the comparison takes the same time wherever the values differ.

Digests made with a key in SECRET_KEY_FALLBACKS still verify, so SECRET_KEY can be rotated
the way Django rotates it for sessions; a secret hashed the old way (PBKDF2) still verifies
and is rewritten with this hasher on its next successful use (`oauth.Validator`).
"""

import hashlib
import hmac

from django.conf import settings
from django.contrib.auth.hashers import BasePasswordHasher, mask_hash
from django.utils.crypto import constant_time_compare

ALGORITHM = "client_secret_hmac_sha256"
_KEY_SALT = b"portal.api_clients.client_secret"


def _digest(secret: str, salt: str, key: str) -> str:
    keyed = hashlib.sha256(_KEY_SALT + key.encode()).digest()
    return hmac.new(keyed, f"{salt}${secret}".encode(), hashlib.sha256).hexdigest()


class ClientSecretHasher(BasePasswordHasher):
    """`client_secret_hmac_sha256$<salt>$<hex>`: HMAC-SHA256 of the salt and the secret, with
    a key derived from SECRET_KEY. Only for client secrets (listed after the password
    hashers, so no password is ever stored with it)."""

    algorithm = ALGORITHM

    def encode(self, password, salt):
        self._check_encode_args(password, salt)
        return f"{self.algorithm}${salt}${_digest(password, salt, settings.SECRET_KEY)}"

    def decode(self, encoded):
        algorithm, salt, digest = encoded.split("$", 2)
        assert algorithm == self.algorithm  # noqa: S101 - Django's hashers do the same
        return {"algorithm": algorithm, "salt": salt, "hash": digest}

    def verify(self, password, encoded):
        decoded = self.decode(encoded)
        keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
        matches = [
            constant_time_compare(_digest(password, decoded["salt"], key), decoded["hash"])
            for key in keys  # every key, so the time does not say which one matched
        ]
        return any(matches)

    def safe_summary(self, encoded):
        decoded = self.decode(encoded)
        return {
            "algorithm": decoded["algorithm"],
            "salt": mask_hash(decoded["salt"], show=2),
            "hash": mask_hash(decoded["hash"], show=2),
        }

    def must_update(self, encoded):
        return False

    def harden_runtime(self, password, encoded):
        pass  # every verification costs the same already
