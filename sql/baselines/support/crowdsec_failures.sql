-- The failed logins CrowdSec's leaky buckets are replayed over (baseline
-- crowdsec), one bucket per address: in address order, then time.
SELECT attempt_id, time, client, coalesce(account::VARCHAR, '')
FROM attempts
WHERE outcome IN ('failure', 'unknown_user') AND client IS NOT NULL AND time IS NOT NULL
ORDER BY client, time, attempt_id;
