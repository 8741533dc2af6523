"""Generate's new token value, shown once on the Add devices pane (`common.shown_once`).

The Generate POST keeps the value and redirects; the next Add devices page at the same
customer takes it out and shows it, so a reload shows the pane without it and makes no
second token. Only the token's id travels beside the sealed value: the token itself is read
again, in the reader's scope, when it is shown.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse

from common.shown_once import ShownOnce
from tenants.models import Tenant
from tokens import selectors
from tokens.services import IssuedToken

ISSUED = ShownOnce(session_key="tokens.issued", cookie="token_pad")


def _cookie_path(tenant: Tenant) -> str:
    return reverse("devices", kwargs={"tenant_id": tenant.slug})


def keep(request: HttpRequest, response: HttpResponse, tenant: Tenant, issued: IssuedToken):
    ISSUED.keep(
        request,
        response,
        path=_cookie_path(tenant),
        tenant_slug=tenant.slug,
        value=issued.value,
        facts={"token": str(issued.token.public_id)},
    )


def pending(request: HttpRequest) -> bool:
    return ISSUED.pending(request)


def forget(response: HttpResponse, tenant: Tenant) -> None:
    ISSUED.forget(response, path=_cookie_path(tenant))


def take(request: HttpRequest, tenant: Tenant) -> IssuedToken | None:
    """The token just generated at `tenant`, once; None if there is none (any more)."""
    taken = ISSUED.take(request, tenant_slug=tenant.slug)
    if taken is None:
        return None
    value, facts = taken
    try:
        token = selectors.token_for(actor=request.user, token_id=facts["token"])
    except Http404:
        return None  # the token was deleted meanwhile
    return IssuedToken(token=token, value=value)
