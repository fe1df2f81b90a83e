-- The releases and release files the sample's file events name, which
-- Warehouse's foreign keys need before its rows load. The sample repeats
-- file names across file ids, which release_files forbids: each is
-- prefixed with its id.
INSERT INTO releases (project_id, version, canonical_version)
SELECT DISTINCT (additional->>'project_id')::uuid, additional->>'canonical_version', additional->>'canonical_version' FROM file_events;

INSERT INTO release_files (id, release_id, python_version, packagetype, filename, path, size, md5_digest, sha256_digest, blake2_256_digest)
SELECT DISTINCT ON (e.source_id) e.source_id, r.id, 'source', 'sdist', e.source_id || '/' || (e.additional->>'filename'), 's/' || e.source_id,
       1, md5(e.source_id::text), encode(sha256(e.source_id::text::bytea), 'hex'), md5(e.source_id::text || 'b')
FROM file_events e JOIN releases r ON r.project_id = (e.additional->>'project_id')::uuid AND r.version = e.additional->>'canonical_version'
ORDER BY e.source_id, e.time;
