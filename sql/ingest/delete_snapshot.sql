-- Removes the snapshot a case holds, for `ingest snapshot --force`.
DELETE FROM rejects WHERE source_id IN (SELECT id FROM sources WHERE kind = 'snapshot');
DELETE FROM accounts;
DELETE FROM emails;
DELETE FROM ips;
DELETE FROM account_events;
DELETE FROM project_events;
DELETE FROM projects;
DELETE FROM roles;
DELETE FROM snapshot_tables;
DELETE FROM sources WHERE kind = 'snapshot';
