"""The worker's rewrite of the rows' paths after a move (tenants.depth.rewrite_queued) keeps
its queue entry, and with it the tree's middle levels on the safe reading by ids, while a
transaction older than its first rewrite is still open: such a transaction may have copied
a tenant's old path into a row it has not committed yet. A real second connection holds the
old transaction open."""

import psycopg
import pytest
from django.db import connection

from tenants import tree
from tenants.audit import CLI
from tenants.depth import rewrite_queued
from tenants.models import PathRewrite, Tenant
from tenants.selectors import paths_pending
from tests.factories import make_token
from tokens.models import RegistrationToken

pytestmark = pytest.mark.django_db


def _other_connection() -> psycopg.Connection:
    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        dbname=settings["NAME"],
    )


def test_an_older_open_transaction_keeps_the_entry_and_its_late_row_is_rewritten(tenants, users):
    sales = tenants["contoso-sales"]
    token, _ = make_token(sales, users["contoso-sales-grace"], actor=users["contoso-admin"])
    old_path = list(sales.lineage)
    contoso = Tenant.objects.select_related("parent").get(slug="contoso")
    tree.tenant_move(
        actor=users["distributor-admin"], tenant=contoso, to=tenants["southridge"], origin=CLI
    )
    new_path = Tenant.objects.get(pk=sales.pk).lineage
    assert new_path != old_path
    assert rewrite_queued() == 0  # the first run rewrites and notes when
    assert RegistrationToken.objects.get(pk=token.pk).lineage == new_path

    with _other_connection() as other:
        other.execute("SELECT 1")  # opens a transaction (not autocommit), held until commit
        with connection.cursor() as cursor:  # the first run came after it began
            cursor.execute("UPDATE tenants_pathrewrite SET seen_at = clock_timestamp()")
        # What such a transaction may commit late: a row with the path it read before.
        RegistrationToken.objects.filter(pk=token.pk).update(lineage=old_path)
        assert rewrite_queued() == 0  # rewritten again, but the entry stays
        assert RegistrationToken.objects.get(pk=token.pk).lineage == new_path
        assert PathRewrite.objects.count() == 1
        assert paths_pending(Tenant.objects.get(slug="southridge"))
        other.commit()

    assert rewrite_queued() == 1  # nothing older is open now: done
    assert not PathRewrite.objects.exists()
    assert not paths_pending(Tenant.objects.get(slug="southridge"))
    assert RegistrationToken.objects.get(pk=token.pk).lineage == new_path
