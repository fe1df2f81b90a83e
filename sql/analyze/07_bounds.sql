-- id: bounds
-- kind: stage
-- title: Time sanity: the span of each source the analysis reads, and the rows dated outside it
-- level: informational
-- status: test
-- reads: sources requests account_events project_events
-- results: time_bounds out_of_bounds
-- description: Nothing by itself: it keeps a wrong clock or a corrupt line from
--   deciding what the analysis spans (stage window scans every hour from
--   the first attempt to the last: one line dated 2400 beside a week of
--   logs made that 3.3 million hours). A source's bulk is the span between
--   the tail_share and 1 - tail_share quantiles of its times. The
--   snapshot's events (user, project and file events) are in bounds up to
--   pad_days past the bulk of its user events, and never past pad_days
--   after the snapshot was ingested (nothing in it happened after it was
--   read); however old, they are history, which is sparse in its early
--   years, so they have no lower bound. The snapshot's time is its latest
--   user event in bounds. Requests (the access logs) are in bounds from
--   pad_days before their bulk to pad_days past the earliest of its end,
--   the snapshot's time and when the logs were ingested, and never further
--   than max_days_from_median from their median: in a log of fewer than
--   1 / tail_share lines the quantiles are its first and last line, however
--   far out, and the median still holds. Rows out of bounds stay in the
--   case, are listed in out_of_bounds and counted in coverage; every later
--   step reads only the rows in bounds (the views requests_in_bounds,
--   account_events_in_bounds and project_events_in_bounds).
-- parameters:
--   tail_share = 0.001: share of a source's rows at each end of its times left out of its bulk
--   pad_days = 1: days a row may lie past its source's bulk, the snapshot's time or when its file was ingested
--   max_days_from_median = 183: days either side of the requests' median beyond which none is in bounds (stage window scans every hour in bounds)

-- One row: the bounds, NULL where there is none (requests_from and
-- requests_to with no request; events_to with neither a user event nor an
-- ingested snapshot), and the snapshot's time.
CREATE OR REPLACE TABLE time_bounds AS
WITH read AS (
    SELECT max(ingest_start) FILTER (WHERE kind = 'log') AS logs_read,
           max(ingest_start) FILTER (WHERE kind = 'snapshot') AS snapshot_read
    FROM sources
), bulk AS (
    SELECT (SELECT quantile_disc(time, [getvariable('tail_share'), 0.5, 1 - getvariable('tail_share')]) FROM requests) AS requests_bulk,
           (SELECT quantile_disc(time, 1 - getvariable('tail_share')) FROM account_events) AS events_bulk_to
), events AS (
    SELECT least(bulk.events_bulk_to, read.snapshot_read) + to_days(getvariable('pad_days')::INTEGER) AS events_to
    FROM bulk, read
), snapshot AS (
    SELECT max(e.time) AS snapshot_time FROM account_events e, events WHERE e.time <= events.events_to
)
SELECT greatest(bulk.requests_bulk[1], bulk.requests_bulk[2] - to_days(getvariable('max_days_from_median')::INTEGER))
           - to_days(getvariable('pad_days')::INTEGER) AS requests_from,
       CASE WHEN bulk.requests_bulk IS NOT NULL
            THEN least(bulk.requests_bulk[3], bulk.requests_bulk[2] + to_days(getvariable('max_days_from_median')::INTEGER),
                       snapshot.snapshot_time, read.logs_read) + to_days(getvariable('pad_days')::INTEGER) END AS requests_to,
       events.events_to, snapshot.snapshot_time
FROM bulk, read, events, snapshot;

-- Every row out of bounds: a request by its file and line, an event by its id.
CREATE OR REPLACE TABLE out_of_bounds AS
SELECT 'requests' AS table_name, r.source_id, r.line_no, NULL::UUID AS id, r.time,
       CASE WHEN r.time > b.requests_to THEN 'after' ELSE 'before' END AS outside
FROM requests r, time_bounds b
WHERE r.time < b.requests_from OR r.time > b.requests_to
UNION ALL
SELECT 'account_events', e.source_id, NULL, e.id, e.time, 'after' FROM account_events e, time_bounds b WHERE e.time > b.events_to
UNION ALL
SELECT 'project_events', e.source_id, NULL, e.id, e.time, 'after' FROM project_events e, time_bounds b WHERE e.time > b.events_to;

-- The rows in bounds, which every later step reads instead of the tables:
-- those out_of_bounds does not list. (Anti joins, not the bounds compared
-- with each row: a filter on a subquery's value left DuckDB guessing a
-- handful of rows, and planning the joins after it for that.)
CREATE OR REPLACE VIEW requests_in_bounds AS
SELECT r.* FROM requests r ANTI JOIN (SELECT source_id, line_no FROM out_of_bounds WHERE table_name = 'requests') o USING (source_id, line_no);

CREATE OR REPLACE VIEW account_events_in_bounds AS
SELECT e.* FROM account_events e ANTI JOIN (SELECT id FROM out_of_bounds WHERE table_name = 'account_events') o USING (id);

CREATE OR REPLACE VIEW project_events_in_bounds AS
SELECT e.* FROM project_events e ANTI JOIN (SELECT id FROM out_of_bounds WHERE table_name = 'project_events') o USING (id);
