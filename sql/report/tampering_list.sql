-- tampering.csv: the events the tampering check found (report_tampering,
-- made by tampering.sql), in time order.
SELECT * FROM report_tampering ORDER BY time_utc, event_table, event_id, user_id;
