-- The live database's schemas other than PostgreSQL's own, named when the
-- schema asked for (--schema) does not exist.
SELECT nspname FROM pg_catalog.pg_namespace
WHERE nspname !~ '^pg_' AND nspname <> 'information_schema'
ORDER BY nspname;
