-- id: campaign-country
-- kind: heuristic
-- title: The country the attempt came from
-- level: low
-- status: test
-- tags: attack.credential_access attack.t1110.004
-- reads: evidence span_attempts
-- description: Proxy pools are drawn from wherever the provider has exits, not
--   from where the site's users live: a country the campaign's attempts come
--   from far more often than real logins do is evidence, one that holds a
--   tenth of both is none (stage attribution measures which).
-- false positives: A real user travelling to such a country; they keep
--   their browser and language, which count for them.
-- references: Elastic "Brute Force (Multi-Source)" (countries and ASNs per user)

-- An address Warehouse recorded no event from has no ips row, and so no
-- country: a login POST alone (an unknown username, a stop at the second
-- factor) says nothing here, rather than "unknown".
INSERT INTO evidence
SELECT attempt_id, 'campaign-country', 'country', country_code,
       CASE WHEN in_window THEN format('from {} ({})', country_code, client) END
FROM span_attempts
WHERE country_code IS NOT NULL;
