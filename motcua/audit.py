"""The audit trail: who changed what, when, from which request — and who looked at personal data.

Changes are recorded by a PostgreSQL trigger on every audited table (models that declare
``audited = True``), so ``QuerySet.update()``, bulk inserts and raw SQL are caught as well as
``save()``. The actor, unit, request id and address reach the trigger as session settings
(``motcua.actor_id`` …), applied by a database execute-wrapper just before the first write of a
request, task or command (never an extra query on pages that only read). Audit rows refuse UPDATE
and DELETE. A session may set ``motcua.audit_off`` to ``on`` to load synthetic data (the benchmark). SQLite (the development default) has no such triggers: there only the personal-data
access log is kept.
"""
from __future__ import annotations

import contextlib
import threading
import uuid
from dataclasses import dataclass

from django.apps import apps
from django.db import connection as default_connection
from django.utils import timezone

_state = threading.local()
_WRITES = ("insert", "update", "delete", "copy")

TRIGGER_FUNCTION = r"""
CREATE OR REPLACE FUNCTION motcua_audit() RETURNS trigger AS $$
DECLARE
    actor text := nullif(current_setting('motcua.actor_id', true), '');
    unit text := nullif(current_setting('motcua.unit_id', true), '');
    request text := coalesce(current_setting('motcua.request_id', true), '');
    address text := coalesce(current_setting('motcua.ip', true), '');
    old_row jsonb;
    new_row jsonb;
BEGIN
    -- Bulk generators of synthetic data (the benchmark) may switch the trail off for their session.
    IF current_setting('motcua.audit_off', true) = 'on' THEN
        RETURN coalesce(NEW, OLD);
    END IF;
    IF TG_OP = 'INSERT' THEN
        new_row := to_jsonb(NEW);
    ELSIF TG_OP = 'DELETE' THEN
        old_row := to_jsonb(OLD);
    ELSE
        -- Only the columns that changed, before and after.
        SELECT jsonb_object_agg(n.key, o.value), jsonb_object_agg(n.key, n.value)
          INTO old_row, new_row
          FROM jsonb_each(to_jsonb(NEW)) n JOIN jsonb_each(to_jsonb(OLD)) o USING (key)
         WHERE n.value IS DISTINCT FROM o.value AND n.key <> 'updated_at';
        IF new_row IS NULL THEN
            RETURN NEW;
        END IF;
    END IF;
    INSERT INTO motcua_auditevent (table_name, row_id, action, before, after, at, actor_id, unit_id, request_id, ip)
    VALUES (TG_TABLE_NAME, coalesce(NEW.id, OLD.id)::text, lower(TG_OP), old_row, new_row, now(),
            actor::bigint, unit::bigint, request, address);
    RETURN coalesce(NEW, OLD);
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION motcua_audit_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit rows cannot be changed or deleted';
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE TRIGGER motcua_auditevent_immutable
    BEFORE UPDATE OR DELETE ON motcua_auditevent FOR EACH ROW EXECUTE FUNCTION motcua_audit_immutable();
"""


def audited_tables() -> list[str]:
    return sorted(model._meta.db_table for model in apps.get_models() if getattr(model, "audited", False))


def install_triggers(using=None, **kwargs) -> None:
    """Create or replace the audit function and one trigger per audited table (PostgreSQL only).

    Connected to ``post_migrate``: idempotent, and runs after every migration, test databases included.
    """
    from django.db import connections

    connection = connections[using or "default"]
    if connection.vendor != "postgresql":
        return
    existing = set(connection.introspection.table_names())
    if "motcua_auditevent" not in existing:
        return
    with connection.cursor() as cursor:
        cursor.execute(TRIGGER_FUNCTION)
        for table in audited_tables():
            if table in existing:
                cursor.execute(
                    f'CREATE OR REPLACE TRIGGER motcua_audit AFTER INSERT OR UPDATE OR DELETE ON "{table}" '
                    "FOR EACH ROW EXECUTE FUNCTION motcua_audit()"
                )


@dataclass(frozen=True)
class AuditContext:
    actor_id: int | None = None
    unit_id: int | None = None
    request_id: str = ""
    ip: str = ""

    def settings(self) -> list[str]:
        return ["" if self.actor_id is None else str(self.actor_id), "" if self.unit_id is None else str(self.unit_id),
                self.request_id, self.ip]


_EMPTY = AuditContext()


def current() -> AuditContext:
    return getattr(_state, "context", _EMPTY)


@contextlib.contextmanager
def audit_context(*, actor=None, unit=None, request_id: str = "", ip: str = ""):
    """Attribute the writes inside the block (a request, a Celery task, a command) to an actor."""
    previous = current()
    _state.context = AuditContext(
        actor_id=getattr(actor, "pk", actor), unit_id=getattr(unit, "pk", unit),
        request_id=request_id or uuid.uuid4().hex, ip=ip,
    )
    try:
        yield _state.context
    finally:
        _state.context = previous


def _sync(execute, sql, params, many, context):
    """Before a write, make the database session carry the current audit context (if it changed)."""
    connection = context["connection"]
    if connection.vendor == "postgresql" and sql.lstrip()[:6].lower().startswith(_WRITES):
        wanted = current()
        if getattr(connection, "_motcua_audit_context", _EMPTY) != wanted:
            # On the raw cursor: not a query the application made, so never counted as one.
            context["cursor"].execute(
                "SELECT set_config('motcua.actor_id', %s, false), set_config('motcua.unit_id', %s, false), "
                "set_config('motcua.request_id', %s, false), set_config('motcua.ip', %s, false)",
                wanted.settings(),
            )
            connection._motcua_audit_context = wanted
    return execute(sql, params, many, context)


def attach(connection=None, **kwargs) -> None:
    """Install the execute-wrapper on a new database connection (``connection_created``)."""
    connection = connection or default_connection
    if _sync not in connection.execute_wrappers:
        connection.execute_wrappers.append(_sync)


def log_access(*, request, table: str, row_id, action: str = "view", detail: dict | None = None) -> None:
    """Record that someone read or exported personal data (Vietnam's personal-data law counts it)."""
    from .models import AuditEvent, membership_of

    membership = membership_of(request.user)
    AuditEvent.objects.create(
        table_name=table, row_id=str(row_id), action=action, after=detail or None, at=timezone.now(),
        actor_id=request.user.pk if request.user.is_authenticated else None,
        unit_id=membership.unit_id if membership else None,
        request_id=getattr(request, "audit_request_id", ""), ip=request.META.get("REMOTE_ADDR", ""),
    )


class AuditContextMiddleware:
    """Every request's writes are attributed to the signed-in user, their unit, this request and address."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from .models import membership_of
        from .throttling import client_address

        request.audit_request_id = uuid.uuid4().hex
        user = getattr(request, "user", None)
        authenticated = user is not None and user.is_authenticated
        membership = membership_of(user) if authenticated else None
        with audit_context(
            actor=user.pk if authenticated else None,
            unit=membership.unit_id if membership else None,
            request_id=request.audit_request_id,
            ip=client_address(request),
        ):
            return self.get_response(request)
