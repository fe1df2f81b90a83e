#!/usr/bin/env bash
# Exports the Warehouse tables freezeframe reads, as a directory that
# `freezeframe ingest snapshot DIR` (or investigate --snapshot DIR) reads,
# for an admin whose machine cannot run freezeframe against the database.
#
#   scripts/export-warehouse.sh [-s SCHEMA] DIR [CONNECTION]
#
# CONNECTION is what psql takes: a URL (postgres://user@host/warehouse) or
# options (-h host -U user warehouse); without it, psql's PGHOST, PGUSER,
# PGDATABASE... Give the password in PGPASSWORD or ~/.pgpass, not in the URL,
# which other users of the machine can see in the process list.
#
# One psql session reads every table in one REPEATABLE READ READ ONLY
# transaction, so the files are one snapshot of the database even while the
# site writes to it (per-table exports are not: an event can point at an IP
# address exported before it). One CSV per table, as \copy ... CSV HEADER
# writes it, of the columns freezeframe reads and nothing secret: whether a
# TOTP secret is set and whether the password is disabled are answered by
# the server, and password hashes, TOTP secrets, recovery codes and WebAuthn
# keys never leave the database. DIR also gets snapshot.txt (server, database,
# the transaction's snapshot and start) and SHA256SUMS of the CSV files.
# Tables Warehouse has had for a short while only (file_events) are
# exported where they exist. The role needs SELECT on the tables.
set -euo pipefail

usage() {
	echo "usage: export-warehouse.sh [-s SCHEMA] DIR [CONNECTION]" >&2
	exit 2
}
schema=public
while getopts s:h opt; do
	case $opt in
	s) schema=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || usage
out=$1
shift
if [ -e "$out" ] && [ -n "$(ls -A "$out")" ]; then
	echo "export-warehouse: $out exists and is not empty; name a new directory" >&2
	exit 1
fi
mkdir -p "$out"
cd "$out"

# \copy takes its line as it is, without psql's variables, so the schema is
# set once as the search path (a schema that does not exist fails the cast).
# Times come out as pg_dump writes them.
export PGCLIENTENCODING=UTF8 PGOPTIONS="${PGOPTIONS:-} -c DateStyle=ISO,YMD -c IntervalStyle=postgres -c TimeZone=UTC"
if ! psql -X -q -v ON_ERROR_STOP=1 -v schema="$schema" "$@" <<'SQL'; then
BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;
SELECT :'schema'::regnamespace AS schema_oid \gset
SET LOCAL search_path = :"schema";
\pset format unaligned
\pset tuples_only on
\pset fieldsep '\t'
\o snapshot.txt
SELECT 'server', version() UNION ALL
SELECT 'database', current_database() UNION ALL
SELECT 'schema', :'schema' UNION ALL
SELECT 'isolation', 'REPEATABLE READ READ ONLY' UNION ALL
SELECT 'txid_snapshot', txid_current_snapshot()::text UNION ALL
SELECT 'transaction_start', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
\o
SELECT to_regclass('user_security_keys') IS NOT NULL AS has_keys,
       to_regclass('user_recovery_codes') IS NOT NULL AS has_codes,
       to_regclass('user_emails') IS NOT NULL AS has_emails,
       to_regclass('projects') IS NOT NULL AS has_projects,
       to_regclass('roles') IS NOT NULL AS has_roles,
       to_regclass('project_events') IS NOT NULL AS has_project_events,
       to_regclass('file_events') IS NOT NULL AS has_file_events,
       to_regclass('user_unique_logins') IS NOT NULL AS has_unique_logins \gset
\copy (SELECT id, ip_address, hashed_ip_address, geoip_info, is_banned, ban_reason, ban_date FROM ip_addresses) TO 'ip_addresses.csv' WITH (FORMAT csv, HEADER)
\if :has_keys
\copy (SELECT id, user_id FROM user_security_keys) TO 'user_security_keys.csv' WITH (FORMAT csv, HEADER)
\endif
\if :has_codes
\copy (SELECT id, user_id, generated, burned FROM user_recovery_codes) TO 'user_recovery_codes.csv' WITH (FORMAT csv, HEADER)
\endif
\copy (SELECT id, username, date_joined, last_login, is_active, is_frozen, disabled_for, totp_secret IS NOT NULL AS totp_secret_set, (password = '' OR left(password, 1) IN ('!', '*')) AS password_disabled FROM users) TO 'users.csv' WITH (FORMAT csv, HEADER)
\if :has_emails
\copy (SELECT id, user_id, email, "primary", verified, unverify_reason FROM user_emails) TO 'user_emails.csv' WITH (FORMAT csv, HEADER)
\endif
\copy (SELECT id, source_id, tag, "time", additional, ip_address_id FROM user_events) TO 'user_events.csv' WITH (FORMAT csv, HEADER)
\if :has_unique_logins
\copy (SELECT id, user_id, ip_address_id, created, last_used, status FROM user_unique_logins) TO 'user_unique_logins.csv' WITH (FORMAT csv, HEADER)
\endif
\if :has_projects
\copy (SELECT id, name, normalized_name, created FROM projects) TO 'projects.csv' WITH (FORMAT csv, HEADER)
\endif
\if :has_roles
\copy (SELECT id, user_id, project_id, role_name FROM roles) TO 'roles.csv' WITH (FORMAT csv, HEADER)
\endif
\if :has_project_events
\copy (SELECT id, source_id, tag, "time", additional, ip_address_id FROM project_events) TO 'project_events.csv' WITH (FORMAT csv, HEADER)
\endif
\if :has_file_events
\copy (SELECT id, source_id, tag, "time", additional, ip_address_id FROM file_events) TO 'file_events.csv' WITH (FORMAT csv, HEADER)
\endif
COMMIT;
SQL
	if [ -z "$(ls -A)" ]; then
		cd - >/dev/null
		rmdir "$out"
		echo "export-warehouse: the export failed before writing anything" >&2
	else
		echo "export-warehouse: the export failed; $out holds what it wrote before: delete it, then export again" >&2
	fi
	exit 1
fi
sha256sum -- *.csv >SHA256SUMS
chmod a-w -- *.csv snapshot.txt SHA256SUMS
echo "export-warehouse: wrote $(ls -- *.csv | wc -l) tables to $out; next: freezeframe ingest snapshot $out" >&2
