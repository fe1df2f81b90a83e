-- report.html, accounts section: the second-factor and recovery-code events
-- of the accounts listed ($1, their ids), for their evidence panels: the
-- latest $2 of each account, in time order, with how many it has, and the id
-- and file of each event in the snapshot.
SELECT e.account::VARCHAR, count(*) OVER (PARTITION BY e.account) AS total,
       e.time, e.tag, coalesce(e.method, e.two_factor_method, e.failure_reason, ''),
       coalesce(e.ip, e.hashed_ip, ''), coalesce(e.country_code, ''), e.id::VARCHAR, coalesce(s.path, '')
FROM account_events e
LEFT JOIN sources s ON s.id = e.source_id
WHERE e.account IN (SELECT unnest($1::VARCHAR[])::UUID)
  AND (starts_with(e.tag, 'account:two_factor:') OR starts_with(e.tag, 'account:recovery_codes:')
       OR e.two_factor_method = 'recovery-code' OR e.failure_reason LIKE '%recovery%')
QUALIFY row_number() OVER (PARTITION BY e.account ORDER BY e.time DESC, e.id) <= $2
ORDER BY e.account, e.time, e.id;
