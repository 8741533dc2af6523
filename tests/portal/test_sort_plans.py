"""Every sort offered at All customers is an index range, and deep pages are keyset seeks.

A partner with 40 customers and a few thousand devices, tokens and plans (values varied, the
tables analysed) is enough for PostgreSQL to plan as it would at 1,000 customers: reading a
page in an index's order and stopping after it, or sorting every row of the partner when no
index has the order. Each page's own query (captured from the request) is explained as it
ran, with the planner's ordinary settings: no Sort node, and the list's table read by an
index scan that stops after the page. The pages behind the Next links carry the last row's
key: their query has no OFFSET, and the rows are those the page number names.
"""

import html
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.factories import make_bare_customers

CUSTOMERS, PER_CUSTOMER = 40, 100
WORDS = ["alpha", "bravo", "delta", "echo", "kilo", "lima", "oscar", "sierra", "tango", "zulu"]
OSES = ["Linux", "Windows 11", "Windows Server 2022", "macOS 14", "Ubuntu 24.04"]

DEVICES = "/console/demo-msp/devices/?sort={}"
TOKENS = "/console/demo-msp/devices/?pane=tokens&tsort={}"
PLANS = "/console/demo-msp/plans/?sort={}"
LISTS = [
    (DEVICES, "page", "agents_directory_deviceentry", "name customer owner os registered"),
    (
        TOKENS,
        "tpage",
        "tokens_registrationtoken",
        "created expires user customer machines registrations last_used",
    ),
    (PLANS, "page", "agents_directory_planentry", "name customer source schedule retention"),
]
SORTS = [
    (pattern, param, table, sort)
    for pattern, param, table, keys in LISTS
    for key in keys.split()
    for sort in (key, f"-{key}")
]


# Rows made by SQL (a few milliseconds, where building the objects took seconds a test).
FILL = """
SELECT setseed(0.13);
CREATE TEMP TABLE sorted_people ON COMMIT DROP AS
    SELECT id, username FROM tenants_user WHERE family = %(partner)s;
INSERT INTO agents_directory_deviceentry
    (tenant_id, partner_id, device_id, agent_id, hostname, os, agent_version, owner_id,
     owner_username, customer_name, customer_slug, plan_names, registered_at,
     registered_token_prefix)
SELECT c.id, %(partner)s, i, gen_random_uuid(),
       (%(words)s::text[])[1 + floor(random() * 10)] || '-' || i,
       (%(oses)s::text[])[1 + floor(random() * 5)], '', p.id, p.username, c.name, c.slug,
       '{}', now() - random() * interval '365 days', ''
FROM tenants_tenant c, generate_series(1, %(per)s) i,
     LATERAL (SELECT id, username FROM sorted_people WHERE i > 0 ORDER BY random() LIMIT 1) p
WHERE c.parent_id = %(partner)s AND c.slug LIKE 'sorted-%%';
INSERT INTO tokens_registrationtoken
    (public_id, tenant_id, family, customer_name, user_id, user_username, created_by_id,
     created_at, expires_at, plan_name, digest, prefix, registrations, machines,
     allowed_networks, last_used_at)
SELECT gen_random_uuid(), c.id, %(partner)s, c.name, p.id, p.username, %(admin)s,
       now() - random() * interval '30 days', now() + interval '12 hours'
       + random() * interval '30 days', '', md5(random()::text) || md5(random()::text), 'AB',
       floor(random() * 50), floor(random() * 10), '{}',
       CASE WHEN random() < 0.3 THEN NULL ELSE now() - random() * interval '30 days' END
FROM tenants_tenant c, generate_series(1, %(per)s) i,
     LATERAL (SELECT id, username FROM sorted_people WHERE i > 0 ORDER BY random() LIMIT 1) p
WHERE c.parent_id = %(partner)s AND c.slug LIKE 'sorted-%%';
INSERT INTO agents_directory_planentry
    (tenant_id, partner_id, plan_id, name, schedule, what_to_back_up, start_time,
     retention_days, encryption, updated_at, customer_name, customer_slug)
SELECT c.id, %(partner)s, i, initcap((%(words)s::text[])[1 + floor(random() * 10)]) || ' ' || i,
       (ARRAY['daily', 'weekly', 'monthly'])[1 + floor(random() * 3)],
       (ARRAY['files', 'disks', 'entire_machine'])[1 + floor(random() * 3)], '02:00',
       1 + floor(random() * 364), true, now(), c.name, c.slug
FROM tenants_tenant c, generate_series(1, %(per)s / 10) i
WHERE c.parent_id = %(partner)s AND c.slug LIKE 'sorted-%%';
ANALYZE agents_directory_deviceentry;
ANALYZE tokens_registrationtoken;
ANALYZE agents_directory_planentry;
"""


@pytest.fixture
def partner_at_scale(tenants, users):
    """Demo MSP with CUSTOMERS more customers (no schemas: these lists read none), each with
    PER_CUSTOMER devices and tokens and a tenth as many plans, their values varied; the
    tables analysed, as autovacuum would have them."""
    partner, admin = tenants["demo-msp"], users["msp-admin"]
    make_bare_customers(partner, "Sorted", CUSTOMERS)
    with connection.cursor() as cursor:
        cursor.execute(
            FILL,
            {
                "partner": partner.pk,
                "admin": admin.pk,
                "per": PER_CUSTOMER,
                "words": WORDS,
                "oses": OSES,
            },
        )
    client = APIClient()
    client.force_login(admin)
    return client


def _page_query(client, url: str, table: str) -> tuple[str, str]:
    """(the page's HTML, the SQL of the query that read the page's rows of `table`)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    reads = [
        q["sql"]
        for q in queries.captured_queries
        if re.search(rf'FROM "{table}"', q["sql"])
        and "ORDER BY" in q["sql"]
        and not q["sql"].startswith("SELECT COUNT(*)")
    ]
    assert len(reads) == 1, reads
    return response.content.decode(), reads[0]


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _assert_index_range(sql: str, table: str) -> None:
    """The page's query, explained and run: no sort, and `table` read in an index's order
    for little more than the page (ANALYZE: the rows it really touched)."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
        raw = cursor.fetchone()[0]
    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
    nodes = list(_nodes(plan))
    shape = [(n["Node Type"], n.get("Relation Name"), n.get("Index Name")) for n in nodes]
    assert not [n for n in nodes if "Sort" in n["Node Type"]], shape
    scans = [n for n in nodes if n.get("Relation Name") == table]
    assert scans, shape
    main = scans[0]  # the list's own rows (a plan's device count reads another table)
    assert main["Node Type"] in {"Index Scan", "Index Only Scan"}, shape
    touched = main["Actual Rows"] + main.get("Rows Removed by Filter", 0)
    assert touched <= 60, (touched, shape)  # noqa: PLR2004 - a page of 25 and a few filtered


def _link(page_html: str, label: str, param: str) -> str | None:
    """The Previous or Next link of the list's own pagination (the token pane's has its
    own, beside the device list's)."""
    nav = "Token pages" if param == "tpage" else "Pages"
    found = re.search(rf'<nav class="pagination" aria-label="{nav}">(.*?)</nav>', page_html, re.S)
    for href, text in re.findall(r'<a href="([^"]+)"[^>]*>\s*([^<]+)</a>', found.group(1)):
        if text.strip() == label:
            return html.unescape(href)
    return None


@pytest.mark.parametrize(("pattern", "param", "table", "sort"), SORTS)
def test_each_sort_at_all_customers_reads_an_index_range_and_pages_by_key(
    partner_at_scale, pattern, param, table, sort
):
    client, url = partner_at_scale, pattern.format(sort)
    base = url.split("?")[0]
    page_html, sql = _page_query(client, url, table)
    _assert_index_range(sql, table)
    pages = [page_html]
    # Forward by the Next links to page 3, each read by its key, with no OFFSET.
    for number in (2, 3):
        href = _link(pages[-1], "Next", param)
        assert href and f"{param}={number}" in href and f"{param}_after=" in href, href
        page_html, sql = _page_query(client, base + href, table)
        assert "OFFSET" not in sql, sql
        _assert_index_range(sql, table)
        pages.append(page_html)
    # The same rows as the page numbers name when read from the top.
    for number, seen in enumerate(pages, start=1):
        by_number, _ = _page_query(client, f"{url}&{param}={number}", table)
        assert _rows(seen) == _rows(by_number), number
    # Back by the Previous link from page 3: page 2, read by its key too.
    href = _link(pages[2], "Previous", param)
    assert href and f"{param}=2" in href and f"{param}_before=" in href, href
    page_html, sql = _page_query(client, base + href, table)
    assert "OFFSET" not in sql, sql
    assert _rows(page_html) == _rows(pages[1])
    # And from page 2 to page 1: the top of the list, no key needed.
    href = _link(page_html, "Previous", param)
    assert href and f"{param}=1" in href and "_before=" not in href, href


def _rows(page_html: str) -> list[str]:
    """The rows of the page's list (the text of each <tr> of its body)."""
    body = page_html.rsplit("<tbody>", 1)[1].split("</tbody>", 1)[0]  # the pane's is last
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S)
    assert rows
    # Times by their exact value ("in 5 days" may become "in 6 days" between two requests).
    rows = [re.sub(r'<time datetime="([^"]+)"[^>]*>.*?</time>', r"\1", r) for r in rows]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r)).strip() for r in rows]


def test_a_key_of_another_sort_or_a_tampered_key_reads_the_page_by_its_number(
    partner_at_scale,
):
    client = partner_at_scale
    first, _ = _page_query(client, DEVICES.format("os"), "agents_directory_deviceentry")
    href = _link(first, "Next", "page")
    key = re.search(r"page_after=([^&]+)", href).group(1)
    by_number, _ = _page_query(
        client, DEVICES.format("-owner") + "&page=2", "agents_directory_deviceentry"
    )
    for after in (key, "x" + key, "%%%", "W10"):
        url = DEVICES.format("-owner") + f"&page=2&page_after={after}"
        html_, sql = _page_query(client, url, "agents_directory_deviceentry")
        assert _rows(html_) == _rows(by_number), after
        assert "OFFSET" in sql  # by its number, not by a key of another order
