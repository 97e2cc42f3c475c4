"""Least-privilege database roles (issue 15, item 4): an owner role that runs migrations and owns every
table, and a runtime role for the web, the worker and the beat that reads and writes rows but cannot
alter a table, disable a trigger, or truncate anything, and may only append to the SLA ledger.

`manage.py db_roles` prints the SQL (for `psql` as a superuser); `--execute` runs it on DATABASE_URL's
connection, which must then be a superuser's. Run it again after every `migrate`: new tables are covered
by default privileges, but the ledger's narrower grants are re-applied by the script.
"""

import re

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

# The ledger: the runtime role appends rows and moves the head, nothing else.
LEDGER = "escalation_ledgerentry"
LEDGER_HEAD = "escalation_ledgerhead"
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def db_roles_sql(*, owner: str, runtime: str, database: str) -> list[str]:
    """The statements, in order; idempotent (roles are created only when missing)."""
    for name in (owner, runtime):
        if not ROLE_NAME.match(name):
            raise ValueError(f"{name!r}: a role name is lower-case letters, digits and underscores")
    if owner == runtime:
        raise ValueError("the owner and the runtime role must differ")
    db = '"' + database.replace('"', '""') + '"'
    return [
        *(
            f"""DO $$ BEGIN
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
                    CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
                END IF;
            END $$"""
            for role in (owner, runtime)
        ),
        f"REVOKE ALL ON DATABASE {db} FROM PUBLIC",
        f"GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {owner}, {runtime}",
        f"GRANT USAGE, CREATE ON SCHEMA public TO {owner}",
        f"GRANT USAGE ON SCHEMA public TO {runtime}",
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        # Every table, sequence and function of the schema belongs to the owner (a table's own sequences
        # follow it).
        f"""DO $$ DECLARE item record; BEGIN
            FOR item IN SELECT c.relname, c.relkind FROM pg_class c
                JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'S', 'v', 'm')
                  AND NOT (c.relkind = 'S' AND EXISTS (
                      SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')))
                  AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
            LOOP
                EXECUTE format(
                    'ALTER %s %I OWNER TO {owner}',
                    CASE item.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                         WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
                    item.relname);
            END LOOP;
            FOR item IN SELECT p.oid::regprocedure AS signature FROM pg_proc p
                JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
                  AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
            LOOP
                EXECUTE format('ALTER FUNCTION %s OWNER TO {owner}', item.signature);
            END LOOP;
        END $$""",  # noqa: S608 - role names are checked against ROLE_NAME above
        # The runtime role: rows, never the tables themselves (no TRUNCATE, REFERENCES or TRIGGER).
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {runtime}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {runtime}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {runtime}",
        f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {runtime}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {runtime}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public "
        f"GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {runtime}",
        # The ledger: append only; the head is created once and then moved.
        f"REVOKE UPDATE, DELETE ON {LEDGER} FROM {runtime}",
        f"REVOKE DELETE ON {LEDGER_HEAD} FROM {runtime}",
    ]


class Command(BaseCommand):
    help = (
        "Create or refresh the least-privilege roles: OWNER (runs migrations, owns the tables) and RUNTIME "
        "(web, worker, beat: rows only; appends to the SLA ledger, cannot alter a table, disable a "
        "trigger or truncate). Prints the SQL for psql; --execute runs it (as a superuser). Run it again "
        "after every migrate."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--owner", default="support_desk_owner")
        parser.add_argument("--runtime", default="support_desk_app")
        parser.add_argument("--execute", action="store_true", help="Run the SQL on DATABASE_URL's database.")

    def handle(self, *args, **options) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("Database roles are for PostgreSQL; this database is " + connection.vendor)
        try:
            statements = db_roles_sql(
                owner=options["owner"], runtime=options["runtime"], database=connection.settings_dict["NAME"]
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if not options["execute"]:
            self.stdout.write(";\n".join(statements) + ";\n")
            return
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        roles = f"{options['owner']} and {options['runtime']}"
        self.stdout.write(self.style.SUCCESS(f"Roles {roles} are set up."))
