-- id: classify
-- kind: stage
-- title: Every implicated account classified, scored and explained
-- level: informational
-- status: test
-- tags: attack.initial_access attack.t1078 attack.credential_access attack.t1110.004
-- reads: window_attempts attempt_scores campaign_attempts findings accounts enrolments
-- results: account_verdicts
-- description: An account is implicated when the campaign holds one of its
--   attempts in the window or one of its logins there scored at least
--   min_score. Then:
--   compromised: a login in the campaign whose posterior (stage
--     attribution) is at least freeze_posterior and whose own evidence
--     scores at least min_freeze_score: the attacker logged in. These are
--     the accounts to freeze. The posterior rests on the campaign's share
--     of the window's logins, which noise can inflate (a quiet week whose
--     attribution latched onto a busy NAT's country); the score is the
--     login's evidence alone (10 points: about a thousand to one).
--   exposed: the campaign got the password right, and a second factor
--     stopped it (a stop at the second factor, which Warehouse's two-factor
--     token names, or a failed code), with a posterior of at least
--     exposed_posterior: the owner must change the password.
--   review: a login in the window whose posterior is at least
--     review_posterior, not enough to freeze on (under freeze_posterior or
--     min_freeze_score): campaign evidence for a human to read.
--   targeted: the campaign tried the account and failed.
--   benign: scored, but the evidence speaks against the campaign.
--   The score is the highest of its attempts'; the reasons are the findings
--   of the attempt that decided, with their evidence.
--   A compromised account is to freeze unless Warehouse already handled it
--   (handled: users.disabled_for, is_frozen, or a disabled password) or,
--   with a snapshot, it has no users row and so no username for the admin
--   tooling (events exported apart from users; accounts.csv lists it). With
--   the logs alone, accounts are named by user id only.
-- parameters:
--   min_score = 3: score from which an account's login in the window is listed at all
--   review_posterior = 0.1: posterior from which a login in the window makes the account one to review
--   freeze_posterior = 0.9: posterior from which a campaign login makes the account compromised
--   min_freeze_score = 10: points a campaign login's own evidence must reach for the account to be compromised
--   exposed_posterior = 0.9: posterior from which a campaign's stop at the second factor makes the account exposed

CREATE OR REPLACE TABLE account_verdicts AS
WITH att AS (
    SELECT a.*, s.score, s.posterior, s.class, coalesce(s.attributed, false) AS attributed, c.campaign_id
    FROM window_attempts a
    JOIN attempt_scores s USING (attempt_id)
    LEFT JOIN campaign_attempts c USING (attempt_id)
    WHERE a.account IS NOT NULL
      AND (c.campaign_id IS NOT NULL OR (s.class IN ('success', 'second factor') AND s.score >= getvariable('min_score')))
), per AS (
    SELECT account,
           bool_or(class = 'success' AND campaign_id IS NOT NULL AND posterior >= getvariable('freeze_posterior')
                   AND score >= getvariable('min_freeze_score')) AS compromised,
           bool_or(class = 'second factor' AND campaign_id IS NOT NULL AND posterior >= getvariable('exposed_posterior')) AS exposed,
           bool_or(class = 'success' AND posterior >= getvariable('review_posterior')) AS review,
           bool_or(class = 'failure' AND campaign_id IS NOT NULL) AS targeted,
           max(score) AS score,
           -- the attempt that decides: a campaign login, else a stop at the second factor, else the best-scoring login
           arg_max(attempt_id, (class = 'success' AND campaign_id IS NOT NULL, class = 'second factor' AND campaign_id IS NOT NULL,
                                class = 'success', posterior, score, -attempt_id)) AS decisive,
           min(time) FILTER (WHERE campaign_id IS NOT NULL OR posterior >= getvariable('review_posterior')) AS first_suspicious,
           max(time) FILTER (WHERE campaign_id IS NOT NULL OR posterior >= getvariable('review_posterior')) AS last_suspicious,
           list(DISTINCT client ORDER BY client) FILTER (WHERE campaign_id IS NOT NULL OR posterior >= getvariable('review_posterior')) AS suspicious_ips,
           count(*) FILTER (WHERE campaign_id IS NOT NULL AND class = 'failure') AS campaign_failures,
           min(campaign_id) AS first_campaign
    FROM att GROUP BY account
), reasons AS (
    SELECT f.attempt_id,
           string_agg(format('{} ({}{:.1f}): {}', f.heuristic, CASE WHEN f.points >= 0 THEN '+' ELSE '' END, f.points, f.evidence), '; '
                      ORDER BY f.points DESC, f.heuristic, f.evidence) FILTER (WHERE f.points <> 0) AS reasons,
           list(DISTINCT f.heuristic ORDER BY f.heuristic) FILTER (WHERE f.points > 0) AS heuristics
    FROM findings f WHERE f.scope = 'attempt' GROUP BY f.attempt_id
)
SELECT p.account, u.username,
       CASE WHEN p.compromised THEN 'compromised' WHEN p.exposed THEN 'exposed' WHEN p.review THEN 'review'
            WHEN p.targeted THEN 'targeted' ELSE 'benign' END AS classification,
       p.score,
       coalesce(d.campaign_id, p.first_campaign) AS campaign_id,
       concat_ws('; ',
           CASE WHEN d.class = 'success' THEN format('login {} at {} from {}, score {:.1f}, posterior {:.3f}',
                                                     CASE WHEN d.campaign_id IS NOT NULL THEN 'in campaign ' || d.campaign_id ELSE 'in the window' END,
                                                     strftime(d.time, '%Y-%m-%d %H:%M:%S UTC'), d.client, d.score, d.posterior)
                WHEN d.class = 'second factor' THEN format('password right at {} from {}, stopped at the second factor{}',
                                                           strftime(d.time, '%Y-%m-%d %H:%M:%S UTC'), d.client,
                                                           CASE WHEN d.named_by = 'token' THEN ' (named by the two-factor token)' ELSE '' END)
                WHEN d.campaign_id IS NOT NULL THEN format('{} attempt in campaign {} at {} from {}', d.outcome, d.campaign_id,
                                                           strftime(d.time, '%Y-%m-%d %H:%M:%S UTC'), d.client) END,
           CASE WHEN p.campaign_failures > 0 THEN format('{:d} failed campaign attempts', p.campaign_failures) END,
           r.reasons) AS reasons,
       coalesce(r.heuristics, []) AS heuristics,
       p.decisive AS decisive_attempt,
       p.first_suspicious, p.last_suspicious,
       coalesce(list_distinct(list_concat(p.suspicious_ips, CASE WHEN p.compromised THEN [d.client] END)), []) AS suspicious_ips,
       CASE WHEN p.compromised THEN e.method END AS attacker_2fa_method,
       CASE WHEN p.compromised THEN e.time END AS attacker_2fa_time,
       'new' AS wave,
       coalesce(u.disabled_for, CASE WHEN u.is_frozen THEN 'account frozen' END,
                CASE WHEN u.password_disabled THEN 'password disabled' END) AS handled,
       p.compromised AND handled IS NULL AND (u.username IS NOT NULL OR NOT EXISTS (SELECT 1 FROM accounts)) AS to_freeze
FROM per p
JOIN att d ON d.attempt_id = p.decisive
LEFT JOIN reasons r ON r.attempt_id = p.decisive
LEFT JOIN accounts u ON u.id = p.account
LEFT JOIN (SELECT DISTINCT ON (attempt_id) attempt_id, method, time FROM enrolments ORDER BY attempt_id, time) e
       ON e.attempt_id = p.decisive
ORDER BY p.account;
