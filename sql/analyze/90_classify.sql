-- id: classify
-- kind: stage
-- title: Every implicated account classified, scored and explained
-- results: account_verdicts
-- catches: An account is implicated when one of its attempts in the window
--   scored at least min_score or a campaign tried it. Then:
--   compromised: a successful login in a campaign scoring at least
--     freeze_score: the attacker logged in. These are the accounts to freeze.
--   exposed: a campaign attempt got the password right but a second factor
--     stopped it (a failure for the second factor).
--   targeted: campaign attempts failed on it.
--   benign: scored, but not enough or not in a campaign (travel, a new phone).
--   The score is the highest of its attempts'; the reasons are the findings
--   of the attempt that decided, with their evidence.
-- parameters:
--   min_score = 3: score from which an account outside any campaign is listed (as benign) at all
--   freeze_score = 12: score from which a campaign login makes the account compromised

CREATE OR REPLACE TABLE account_verdicts AS
WITH att AS (
    SELECT a.*, coalesce(s.score, 0) AS score, c.campaign_id
    FROM window_attempts a
    LEFT JOIN attempt_scores s USING (attempt_id)
    LEFT JOIN campaign_attempts c USING (attempt_id)
    WHERE a.account IS NOT NULL AND (s.score >= getvariable('min_score') OR c.campaign_id IS NOT NULL)
), per AS (
    SELECT account,
           bool_or(outcome = 'success' AND campaign_id IS NOT NULL AND score >= getvariable('freeze_score')) AS compromised,
           bool_or(outcome = 'failure' AND campaign_id IS NOT NULL
                   AND failure_reason IN ('invalid_totp', 'invalid_webauthn', 'invalid_recovery_code', 'burned_recovery_code')) AS exposed,
           bool_or(outcome = 'failure' AND campaign_id IS NOT NULL) AS targeted,
           max(score) AS score,
           -- the attempt that decides: the best-scoring campaign success, else the best-scoring attempt
           arg_max(attempt_id, (outcome = 'success' AND campaign_id IS NOT NULL, score, -attempt_id)) AS decisive,
           min(time) FILTER (WHERE campaign_id IS NOT NULL OR score >= getvariable('freeze_score')) AS first_suspicious,
           max(time) FILTER (WHERE campaign_id IS NOT NULL OR score >= getvariable('freeze_score')) AS last_suspicious,
           list(DISTINCT client ORDER BY client) FILTER (WHERE campaign_id IS NOT NULL) AS suspicious_ips,
           count(*) FILTER (WHERE campaign_id IS NOT NULL AND outcome = 'failure') AS campaign_failures,
           min(campaign_id) AS first_campaign
    FROM att GROUP BY account
), reasons AS (
    SELECT f.attempt_id,
           string_agg(format('{} ({:+d}): {}', f.heuristic, f.points, f.evidence), '; '
                      ORDER BY f.points DESC, f.heuristic, f.evidence) FILTER (WHERE f.points <> 0) AS reasons,
           list(DISTINCT f.heuristic ORDER BY f.heuristic) FILTER (WHERE f.points > 0) AS heuristics
    FROM findings f WHERE f.scope = 'attempt' GROUP BY f.attempt_id
)
SELECT p.account, u.username,
       CASE WHEN p.compromised THEN 'compromised' WHEN p.exposed THEN 'exposed'
            WHEN p.targeted THEN 'targeted' ELSE 'benign' END AS classification,
       p.score,
       coalesce(d.campaign_id, p.first_campaign) AS campaign_id,
       concat_ws('; ',
           CASE WHEN d.campaign_id IS NOT NULL THEN format('{} {} in campaign {} at {} from {}', d.outcome, CASE WHEN d.outcome = 'success' THEN 'login' ELSE 'attempt' END,
                                                          d.campaign_id, strftime(d.time, '%Y-%m-%d %H:%M:%S UTC'), d.client) END,
           CASE WHEN p.campaign_failures > 0 THEN format('{:d} failed campaign attempts', p.campaign_failures) END,
           r.reasons) AS reasons,
       coalesce(r.heuristics, []) AS heuristics,
       p.decisive AS decisive_attempt,
       p.first_suspicious, p.last_suspicious,
       coalesce(list_distinct(list_concat(p.suspicious_ips, CASE WHEN p.compromised THEN [d.client] END)), []) AS suspicious_ips,
       CASE WHEN p.compromised THEN e.method END AS attacker_2fa_method,
       CASE WHEN p.compromised THEN e.time END AS attacker_2fa_time,
       'new' AS wave
FROM per p
JOIN att d ON d.attempt_id = p.decisive
LEFT JOIN reasons r ON r.attempt_id = p.decisive
LEFT JOIN accounts u ON u.id = p.account
LEFT JOIN (SELECT DISTINCT ON (attempt_id) attempt_id, method, time FROM enrolments ORDER BY attempt_id, time) e
       ON e.attempt_id = p.decisive
ORDER BY p.account;
