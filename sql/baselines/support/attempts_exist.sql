-- Whether the case has an attempts table or view in schema main: the
-- baselines replay the attempts an analysis built, so they need one.
SELECT count(*) FROM (
    SELECT table_name AS name, schema_name FROM duckdb_tables()
    UNION ALL SELECT view_name, schema_name FROM duckdb_views()
) WHERE name = 'attempts' AND schema_name = 'main';
