"""Backup and restore as the README documents it: pg_dump -Fc, then pg_restore into a scratch
database, finds every row and the same report figures."""
import glob
import os
import subprocess
from datetime import datetime, timedelta
from decimal import Decimal

import psycopg
import pytest
from django.db import connection

from motcua.calendar import VN_TZ
from procedures.models import Field, Procedure
from procedures.services import procedure_save
from reports.figures import dossiers_counted, _counts
from motcua.periods import parse_period
from tests.factories import make_dossier

pytestmark = pytest.mark.django_db(transaction=True)

TABLES = ["motcua_administrativeunit", "motcua_holiday", "procedures_procedure", "procedures_procedureversion",
          "dossiers_dossier", "motcua_auditevent"]


def pg_tool(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        pytest.fail(f"{name} not found: `make test` installs PostgreSQL")
    return found[-1]


def conninfo(dbname: str) -> dict:
    s = connection.settings_dict
    return {"host": s["HOST"] or "127.0.0.1", "port": str(s["PORT"] or 5432), "user": s["USER"], "dbname": dbname}


def figures_sql(unit, period):
    queryset = dossiers_counted(unit, period).order_by().values("handling_unit_id").annotate(**_counts(period.start, period.end))
    return queryset.query.sql_with_params()


def test_a_dump_restored_into_a_scratch_database_has_every_row_and_the_same_figures(tmp_path, commune_a, district, trust):
    field = Field.objects.create(code="HT", name="Hộ tịch")
    procedure = Procedure(code="1.001193", name="Đăng ký khai sinh", field=field, level="commune", processing_days=Decimal(3))
    procedure_save(procedure=procedure)
    start = datetime(2023, 1, 3, 8, tzinfo=VN_TZ)
    for i in range(30):
        make_dossier(procedure=procedure, unit=commune_a, received_at=start + timedelta(hours=i), due_at=start + timedelta(days=3),
                     resolved_at=start + timedelta(hours=i, minutes=30) if i % 3 else None, outcome="early" if i % 3 else "",
                     status="returned" if i % 3 else "received", channel="online" if i % 2 else "direct")

    source = conninfo(connection.settings_dict["NAME"])
    scratch = f"{source['dbname']}_restored"
    dump = tmp_path / "motcua.dump"
    env = {**os.environ, "PGPASSWORD": connection.settings_dict.get("PASSWORD") or ""}
    base = ["-h", source["host"], "-p", source["port"], "-U", source["user"]]
    subprocess.run([pg_tool("pg_dump"), *base, "-Fc", "-f", str(dump), source["dbname"]], check=True, env=env)
    with psycopg.connect(**{**source, "dbname": "postgres"}, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
        admin.execute(f'CREATE DATABASE "{scratch}" TEMPLATE template0')
    try:
        subprocess.run([pg_tool("pg_restore"), *base, "--no-owner", "-d", scratch, str(dump)], check=True, env=env)
        sql, params = figures_sql(district, parse_period("2023-Q1"))
        compared = 0
        with psycopg.connect(**source) as original, psycopg.connect(**{**source, "dbname": scratch}) as restored:
            for table in TABLES:
                count = f'SELECT count(*) FROM "{table}"'
                rows = original.execute(count).fetchone()
                assert rows == restored.execute(count).fetchone(), table
                compared += rows[0]
            assert original.execute(sql, params).fetchall() == restored.execute(sql, params).fetchall()
            assert restored.execute('SELECT count(*) FROM "dossiers_dossier"').fetchone()[0] == 30
        trust("backup: rows counted in the original and after pg_restore", compared)
        trust("backup: rows lost by pg_dump and pg_restore", 0)
    finally:
        with psycopg.connect(**{**source, "dbname": "postgres"}, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
