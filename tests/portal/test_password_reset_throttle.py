"""Password reset requests are throttled (issue 21, item 7): 12 mails went to one address in
0.6 s. Mails per email address are capped without changing the answer (it must not say
whether the address has an account); requests per client address get 429 past their limit."""

import pytest
from django.core import mail

RESET = "/accounts/password_reset/"
DONE = "/accounts/password_reset/done/"

pytestmark = pytest.mark.django_db


def test_one_email_address_gets_at_most_the_limit_of_mails(client, users, settings):
    settings.PASSWORD_RESET_MAILS_PER_EMAIL = 3
    answers = []
    for n in range(12):
        response = client.post(
            RESET, {"email": "globex-alice@example.com"}, REMOTE_ADDR=f"192.0.2.{n}"
        )
        answers.append((response.status_code, response["Location"]))
    assert answers == [(302, DONE)] * 12  # the same answer every time
    assert len(mail.outbox) == 3
    # Another address is not held back by the first one's limit.
    client.post(RESET, {"email": "globex-bob@example.com"}, REMOTE_ADDR="192.0.2.50")
    assert len(mail.outbox) == 4


def test_one_client_gets_429_past_its_limit(client, users, settings):
    settings.PASSWORD_RESET_REQUESTS_PER_CLIENT = 5
    for n in range(5):
        response = client.post(RESET, {"email": f"n{n}@example.com"}, REMOTE_ADDR="198.51.100.7")
        assert response.status_code == 302
    refused = client.post(RESET, {"email": "globex-bob@example.com"}, REMOTE_ADDR="198.51.100.7")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Too many password reset requests from this address" in refused.content.decode()
    assert mail.outbox == []
    other = client.post(RESET, {"email": "globex-bob@example.com"}, REMOTE_ADDR="198.51.100.8")
    assert other.status_code == 302 and len(mail.outbox) == 1
