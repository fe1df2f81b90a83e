-- The columns of the tables freezeframe reads ($2, their names) in schema
-- $1 of the live database: tables, partitioned tables, views, materialized
-- views and foreign tables alike. Only names: no value is read here.
SELECT c.relname::text, a.attname::text
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE n.nspname = $1 AND c.relname = ANY($2) AND c.relkind IN ('r', 'p', 'v', 'm', 'f');
