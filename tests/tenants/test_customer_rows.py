"""Management portal > Customers at a partner level: its rows are prepared once for the page
(tenants.level_rows), so a page of 50 rows reads what a page of 1 reads, and prints what
the template printed row by row (links, kinds, parents, dates, the Move link and its label)
in the page's language."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from tenants.models import Tenant
from tests.factories import make_bare_customers

pytestmark = pytest.mark.django_db


def customers(slug):
    return reverse("customers", kwargs={"tenant_id": slug})


def statements(client, slug) -> tuple[int, int]:
    client.get(customers(slug))  # warm: caches filled by a first visit
    with CaptureQueriesContext(connection) as queries:
        response = client.get(customers(slug))
    assert response.status_code == 200
    return len(queries.captured_queries), len(response.context["rows"])


@pytest.mark.parametrize("level", ["southridge", "demo-distributor"])
def test_a_page_of_50_rows_reads_as_many_statements_as_a_page_of_1(login, tenants, level):
    client = login("distributor-admin")
    few, shown = statements(client, level)
    make_bare_customers(tenants["southridge"], "Grown", 60)
    many, shown_now = statements(client, level)
    assert shown_now == 50 > shown  # a full page, where there were few rows
    assert many == few


def test_each_row_prints_its_link_kind_parent_date_and_move(login, tenants):
    html = login("distributor-admin").get(customers("demo-distributor")).content.decode()
    tailspin = tenants["tailspin"]
    created = timezone.localtime(tailspin.created_at)
    row = html[html.index(reverse("devices", kwargs={"tenant_id": "tailspin"})) :]
    row = row[: row.index("</tr>")]
    assert ">Tailspin</a></td><td>Customer</td><td>Southridge Resellers</td>" in row
    assert f'<time datetime="{created.isoformat()}"' in row
    assert f'title="{date_format(created, "DATETIME_FORMAT")}"' in row
    assert f">{date_format(created, 'DATE_FORMAT')}</time>" in row
    move = reverse("tenant-move", kwargs={"tenant_id": "demo-distributor", "child_id": "tailspin"})
    assert f'<a href="{move}" aria-label="Move Tailspin">Move</a>' in row
    # The top's own row is not listed (it is the page's "All customers"); no parent: a dash.
    assert ">Demo Distributor</a>" not in html


def test_rows_are_written_in_the_pages_language(login):
    client = login("distributor-admin")
    client.cookies.load({"django_language": "fr"})
    html = client.get(customers("demo-distributor")).content.decode()
    assert "<td>Client</td><td>Southridge Resellers</td>" in html
    assert 'aria-label="Déplacer Tailspin">Déplacer</a>' in html


def test_a_unit_administrator_sees_no_move_link_on_their_rows(login):
    response = login("contoso-sales-admin").get(customers("contoso-sales"))
    [row] = response.context["rows"]
    assert row.tenant.slug == "contoso-sales" and row.move_url == "" and row.parent == "Contoso"
    assert "tenant-move" not in response.content.decode() and "/move/" not in row.url
    assert Tenant.objects.get(slug="contoso-sales").parent.name == row.parent


@pytest.mark.parametrize("language", ["en", "fr", "de"])
def test_moments_are_written_as_date_format_writes_them(language):
    """The page's formatter keeps pieces of one day or minute: each moment still reads as
    Django's own `date_format` writes it (midnight, noon, seconds apart, a DST change)."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from django.utils import translation

    from tenants.level_rows import moment_format

    paris = ZoneInfo("Europe/Paris")
    start = datetime(2026, 10, 24, 23, 58, 7, tzinfo=paris)
    moments = [start + timedelta(minutes=m, seconds=m % 3) for m in range(0, 60 * 40, 37)]
    moments += [datetime(2026, 10, 25, 2, 30, fold=f, tzinfo=paris) for f in (0, 1)]
    moments += [datetime(2026, 1, 1, 0, 0, tzinfo=paris), datetime(2026, 1, 1, 12, 0, tzinfo=paris)]
    with translation.override(language):
        # The last, a format of its own: seconds and the zone are not kept by the minute.
        for name in ("DATETIME_FORMAT", "SHORT_DATETIME_FORMAT", r"D \\j H:i:s O e I"):
            written = moment_format(name)
            for moment in moments + moments:  # the second time from what it kept
                assert written(moment) == date_format(moment, name), (name, moment)


def test_names_are_escaped_in_the_rows_markup(login):
    Tenant.objects.filter(slug="tailspin").update(name="Tail <b>&\"spin'")
    html = login("distributor-admin").get(customers("demo-distributor")).content.decode()
    written = "Tail &lt;b&gt;&amp;&quot;spin&#x27;"
    assert f">{written}</a></td><td>Customer</td>" in html
    assert f'aria-label="Move {written}">Move</a>' in html
    assert "<b>" not in html
