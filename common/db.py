"""A cursor for statements that name the schema of every table they use."""

from django.db import connection


def prepared_cursor():
    """Prepared on the server once per connection where the database backend can
    (`portal.postgresql`: not behind a transaction pooler), else Django's own cursor. Only
    for a statement whose every table is schema-qualified: it is sent without the tenant's
    search path."""
    return getattr(connection, "prepared_cursor", connection.cursor)()
