-- Removes everything one source contributed ($1: source id), for --force.
DELETE FROM requests WHERE source_id = $1;
DELETE FROM rejects WHERE source_id = $1;
DELETE FROM sources WHERE id = $1;
