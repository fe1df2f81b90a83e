-- Rows of the snapshot that point at rows it lacks: events whose user has
-- no users row, events whose ip_address_id has no ip_addresses row. Tables
-- exported one by one while the site runs (per-table \copy) are not one
-- snapshot: an event newer than the users or ip_addresses export names a
-- row that export never saw. Such events are kept (with their user id and
-- ip_address_id), but their address is unknown, and an account without a
-- users row has no username.
SELECT
    (SELECT count(*) FROM account_events e
     WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = e.account)) AS events_without_user,
    (SELECT count(*) FROM account_events e
     WHERE e.ip_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ips i WHERE i.id = e.ip_id)) AS events_without_ip,
    (SELECT count(*) FROM project_events e
     WHERE e.ip_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ips i WHERE i.id = e.ip_id)) AS project_events_without_ip;
