-- report.html, accounts section: the first $1 implicated accounts, accounts
-- to freeze first, then exposed, review, targeted and benign, each by score
-- (highest first), then username and account id; with how many there are in
-- all. Each with the attempt that decided its classification (its evidence
-- panel): the log line it came from (file and line), or the snapshot's
-- login event (its id and file), and what the client sent.
WITH listed AS (
    SELECT count(*) OVER () AS total, row_number() OVER (
               ORDER BY CASE classification WHEN 'compromised' THEN 0 WHEN 'exposed' THEN 1 WHEN 'review' THEN 2
                                            WHEN 'targeted' THEN 3 ELSE 4 END,
                        score DESC, username, account) AS n, *
    FROM account_verdicts
    QUALIFY n <= $1
)
SELECT v.total, v.account::VARCHAR, coalesce(v.username, ''), v.classification, v.score, coalesce(v.campaign_id, ''), v.wave,
       v.first_suspicious, v.last_suspicious, coalesce(v.suspicious_ips, []), coalesce(v.attacker_2fa_method, ''),
       coalesce(v.reasons, ''),
       a.time, coalesce(a.outcome, ''), coalesce(a.client, ''), coalesce(a.country_code, ''),
       coalesce(a.user_agent, ''), coalesce(a.accept_language, ''), a.status,
       coalesce(s.path, ''), a.line_no, r.time,
       coalesce(a.event_id::VARCHAR, ''), coalesce(e.tag, ''), coalesce(es.path, '')
FROM listed v
LEFT JOIN attempts a ON a.attempt_id = v.decisive_attempt
LEFT JOIN sources s ON s.id = a.source_id
LEFT JOIN requests r ON r.source_id = a.source_id AND r.line_no = a.line_no
LEFT JOIN account_events e ON e.id = a.event_id
LEFT JOIN sources es ON es.id = e.source_id
ORDER BY v.n;
