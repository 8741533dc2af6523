"""The tenant is bound to every statement, never to the session (portal.postgresql).

Behind a transaction pooler a server connection is shared: the search path another client
left on it must not decide which schema our next statement reads. These tests leave such a
path on the session with a raw `SET` (as another client of PgBouncer would) and check what
the ORM reads and writes; under django-tenants' session binding the same steps read the
other tenant's rows, which shows the tests can see a leak."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import override_settings
from django_tenants.utils import tenant_context

from agents.models import Device, ProtectionPlan
from tests.agents.helpers import agent, register
from tests.factories import make_device, make_token

OTHER_CLIENTS_PATH = 'SET search_path = "t_initech", "public"'


def leave_another_tenants_path_on_the_session() -> None:
    """What another client of a transaction pooler may leave on a shared server connection."""
    connection.connection.execute(OTHER_CLIENTS_PATH)


def hostnames() -> set[str]:
    return set(Device.objects.values_list("hostname", flat=True))


@pytest.fixture
def two_customers_devices(tenants, users):
    make_device(tenants["globex"], users["globex-alice"], hostname="globex-only")
    make_device(tenants["initech"], users["initech-carol"], hostname="initech-only")


def test_a_statement_reads_the_selected_tenant_whatever_the_session_says(
    tenants, two_customers_devices
):
    connection.set_tenant(tenants["globex"])
    assert hostnames() == {"globex-only"}
    leave_another_tenants_path_on_the_session()
    assert hostnames() == {"globex-only"}
    with transaction.atomic():
        leave_another_tenants_path_on_the_session()
        assert hostnames() == {"globex-only"}


def test_under_the_session_binding_the_same_steps_leak(tenants, two_customers_devices):
    """The old behaviour, selectable in tests only: django-tenants trusts the SET it sent."""
    with override_settings(TENANT_SEARCH_PATH_BINDING="session"):
        connection.set_tenant(tenants["globex"])
        assert hostnames() == {"globex-only"}
        leave_another_tenants_path_on_the_session()
        assert hostnames() == {"initech-only"}


def test_writes_go_to_the_selected_tenant(tenants, users, two_customers_devices):
    with tenant_context(tenants["globex"]):
        leave_another_tenants_path_on_the_session()
        ProtectionPlan.objects.create(name="globex-written")
        leave_another_tenants_path_on_the_session()
        Device.objects.update(hostname="globex-renamed")
        with connection.cursor() as cursor:  # a batch: the path goes first, in its transaction
            leave_another_tenants_path_on_the_session()
            cursor.executemany(
                "UPDATE agents_device SET os = %s WHERE hostname = %s",
                [("batched", "globex-renamed"), ("batched", "initech-only")],
            )
    with tenant_context(tenants["globex"]):
        assert list(ProtectionPlan.objects.filter(name="globex-written").values_list("name"))
        assert set(Device.objects.values_list("hostname", "os")) == {("globex-renamed", "batched")}
    with tenant_context(tenants["initech"]):
        assert not ProtectionPlan.objects.filter(name="globex-written").exists()
        initech = set(Device.objects.values_list("hostname", "os"))
        assert initech == {("initech-only", "Ubuntu 24.04")}


def test_a_failed_statement_inside_a_transaction_rolls_back_to_its_savepoint(tenants, users):
    globex = tenants["globex"]
    device = make_device(globex, users["globex-alice"], hostname="first")
    with tenant_context(globex), transaction.atomic():
        with pytest.raises(IntegrityError), transaction.atomic():
            Device.objects.create(
                agent_id=device.agent_id, hostname="twin", machine_id="m", owner=device.owner
            )
        assert hostnames() == {"first"}


def test_no_round_trip_is_added(tenants, users, django_assert_num_queries):
    """Statements Django counts (pinned elsewhere) against statements sent to the server:
    the per-statement path adds none; django-tenants' own SETs are no longer sent."""
    _, value = make_token(tenants["globex"], users["globex-alice"])
    register(value, machine="warm-up")
    _, fresh = make_token(tenants["globex"], users["globex-alice"])
    sent = connection.statements_sent
    with django_assert_num_queries(2):  # the lookup and the write
        assert register(fresh, machine="other").status_code == 201
    assert connection.statements_sent - sent == 2
    sent = connection.statements_sent
    with django_assert_num_queries(1):  # a token seen before: the one statement
        secret = register(value, machine="new").json()["agent_secret"]
    assert connection.statements_sent - sent == 1
    client = agent(secret)
    client.get("/api/v1/agents/me")
    sent = connection.statements_sent
    # SET search_path (public), credential, SET search_path (its customer), device, plans
    with django_assert_num_queries(5) as counted:
        assert client.get("/api/v1/agents/me").status_code == 200
    assert [q["sql"].startswith("SET search_path") for q in counted.captured_queries] == [
        True,
        False,
        True,
        False,
        False,
    ]
    assert connection.statements_sent - sent == 3


def test_the_log_shows_each_statement_as_written(tenants, two_customers_devices):
    from django.test.utils import CaptureQueriesContext

    connection.set_tenant(tenants["globex"])
    with CaptureQueriesContext(connection) as queries:
        hostnames()
    assert [q["sql"] for q in queries.captured_queries][-1].startswith('SELECT "agents_device"')
