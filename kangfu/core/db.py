"""Prepared statements on PostgreSQL, where a statement's plan does not depend on its values.

PostgreSQL spent as long planning the caseworker pages' statements as running them (10.4 s
of planning against 8.4 s of execution in a 35 s closed-loop run of bench/load.py): most are
lookups by a key, planned afresh on every request because Django binds parameters on the
client and sends each statement as new text. Inside ``prepared()`` the default connection's
cursors bind on the server (psycopg's ``Cursor``), so the same statement is the same text
whatever its values, and psycopg prepares it on the connection once it has run
``prepare_threshold`` times (settings: ``DB_PREPARED_STATEMENTS``); PostgreSQL then plans it
once per connection (a generic plan, when that is no dearer than planning it each time).

Only statements whose good plan is the same for every value belong inside: a lookup by a key
(the session, the signed-in user, a record by its public id, the rows of one case), the
reminder refresh of one caseload or one case. A list or count over a jurisdiction does not:
the same text serves a township of 1,500 persons and a province of 300,000, and a generic
plan made for the one is wrong for the other (nor can it use a partial index whose
condition is a parameter). Those keep Django's client-side binding, planned each time.
See docs/decisions.md "Prepared statements".
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection


def _cursor_class(server_binding: bool):
    from django.db.backends.postgresql.base import Cursor, ServerBindingCursor

    return ServerBindingCursor if server_binding else Cursor


def enabled() -> bool:
    """Whether statements inside ``prepared()`` are prepared: PostgreSQL, and a
    ``prepare_threshold`` in the connection's options (settings, ``DB_PREPARED_STATEMENTS``)."""
    return (
        connection.vendor == "postgresql"
        and connection.settings_dict.get("OPTIONS", {}).get("prepare_threshold") is not None
    )


@contextmanager
def prepared():
    """Run the block's statements on the default connection with server-side binding, so
    that psycopg prepares the ones that repeat (see the module's docstring for which belong
    here). Nests; elsewhere (SQLite, switched off, no connection open yet) it changes
    nothing. Usable as a decorator."""
    with _binding(server=True):
        yield


@contextmanager
def client_bound():
    """Django's own client-side binding for the block, inside ``prepared()`` too: for a
    statement that must travel as one simple query, several commands in one round trip (the
    audit append), which the server's extended protocol refuses."""
    with _binding(server=False):
        yield


@contextmanager
def _binding(*, server: bool):
    raw = connection.connection if enabled() else None
    if raw is None:
        # Not connected yet: the block may need no database at all (a sign-in page), and a
        # statement prepared on a connection opened here would rarely be run again on it.
        yield
        return
    saved = raw.cursor_factory
    raw.cursor_factory = _cursor_class(server)
    try:
        yield
    finally:
        raw.cursor_factory = saved
