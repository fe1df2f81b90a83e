-- id: window
-- kind: stage
-- title: The incident window: the hours in which several signals rose above their own baselines
-- level: informational
-- status: test
-- tags: attack.credential_access attack.t1110.004 attack.t1110.003
-- reads: attempts attempt_sources attempt_history attempt_addresses account_events_in_bounds
--   address_warmup
-- results: analysis_window window_signals hourly
-- description: When the attack ran, from signals that each compare the hours
--   with the rest of the logs, never from the shape of the attacker's
--   requests: logins on usernames that do not exist; wrong passwords from a
--   network the account never logged in from (stage history); passwords
--   right but stopped at the second factor from such a network; logins from
--   such a network followed by a second factor enrolled within minutes;
--   logins from such a network on an account dormant for months; password
--   reset requests. One client (address) adds at most cap_per_client to a
--   signal in an hour, so that one noisy script or short burst stays what it
--   is. For every stretch of hours, each signal's count is compared with
--   what the hours outside it predict (a Poisson scan statistic, Kulldorff
--   1997, with each hour weighted by the week's login activity at that
--   time); the log-likelihood ratios of the signals that rose are summed,
--   and the stretch with the largest sum, padded by pad_hours, is the
--   incident window when it reaches min_score. A stretch that reaches only
--   candidate_score is examined all the same: the heuristics and the
--   attribution run on it, and it stands as the incident window only when
--   they name accounts taken over or exposed (stage confirm); a rise of
--   failures alone, like a burst that got nothing, does not make one. No signal is a precondition: a
--   campaign with no unknown username, or one that never enrols a second
--   factor, still raises the others. `--window FROM..TO` overrides it.
--   Everything outside the window is the baseline the later steps measure
--   against, including the hourly band (median, 5th-95th percentile per
--   hour of day).
-- false positives: A busy day of real travellers or a release season raises
--   only the signals real users cause, by little; min_score is set above the
--   highest score of weeks without attack but with their usual background
--   (scripted clients trying lists all week, short bursts that get nothing,
--   users who give up) over many tuning seeds.
-- parameters:
--   cap_per_client = 2: attempts one client adds to a signal in one hour
--   min_score = 45: summed log-likelihood ratio from which a stretch of hours is the incident window on its own
--   candidate_score = 12: score from which a stretch is examined: it is the incident window when the campaign evidence in it names accounts taken over or exposed (stage confirm)
--   max_hours = 168: longest stretch considered
--   min_baseline_hours = 24: hours of logs a window must leave outside it as baseline
--   pad_hours = 2: hours added on each side of the stretch found
--   dormant_days = 90: days without a login that make an account dormant
--   enrol_within_s = 900: seconds after a login in which an enrolment counts as its
-- references: Kulldorff, "A spatial scan statistic", 1997; Kulldorff et al., "Multivariate scan statistics for
--   disease surveillance", 2007; Elastic "Password Spray (Multi-Source)"; PyPI incident report, 2024-04-03

-- The attempts whose hours are scanned: those of the access logs, or with
-- no logs (a snapshot alone), the login events of the span analysed.
CREATE OR REPLACE VIEW scanned AS
SELECT * FROM attempts WHERE logged OR NOT (SELECT posts FROM attempt_sources);

-- Each attempt (or event) that feeds a signal, with its client.
CREATE OR REPLACE TABLE signal_events AS
WITH a AS (
    SELECT a.*, h.network_seen, h.has_history, h.last_login_before, n.address_new
    FROM attempts a LEFT JOIN attempt_history h USING (attempt_id) LEFT JOIN attempt_addresses n USING (attempt_id)
), enrolled AS (
    SELECT DISTINCT x.attempt_id
    FROM a x JOIN account_events_in_bounds e ON e.account = x.account AND e.tag = 'account:two_factor:method_added'
     AND e.time >= x.time AND e.time <= x.time + to_seconds(getvariable('enrol_within_s'))
    WHERE x.outcome = 'success' AND NOT coalesce(x.network_seen, true)
)
SELECT 'unknown usernames' AS signal, time, client FROM a WHERE outcome = 'unknown_user'
UNION ALL
SELECT 'unknown usernames from new addresses', time, client FROM a WHERE outcome = 'unknown_user' AND address_new
UNION ALL
SELECT 'wrong passwords from new networks', time, client FROM a
WHERE outcome = 'failure' AND failure_reason = 'invalid_password' AND NOT coalesce(network_seen, true)
UNION ALL
SELECT 'wrong passwords from new networks and addresses', time, client FROM a
WHERE outcome = 'failure' AND failure_reason = 'invalid_password' AND NOT coalesce(network_seen, true) AND address_new
UNION ALL
SELECT 'second factor stops from new networks', time, client FROM a
WHERE (outcome = 'second_factor_stop' OR (outcome = 'failure' AND failure_reason <> 'invalid_password'))
  AND NOT coalesce(network_seen, true)
UNION ALL
SELECT 'new-network logins then a second factor enrolled', time, client FROM a WHERE attempt_id IN (SELECT attempt_id FROM enrolled)
UNION ALL
SELECT 'new-network logins on dormant accounts', time, client FROM a
WHERE outcome = 'success' AND NOT coalesce(network_seen, true)
  AND (last_login_before IS NULL OR last_login_before < time - to_days(getvariable('dormant_days')::INTEGER))
UNION ALL
SELECT 'password reset requests', e.time, coalesce(e.ip, e.hashed_ip) FROM account_events_in_bounds e
WHERE e.tag = 'account:password:reset:request'
  AND e.time >= (SELECT min(time) FROM scanned) AND e.time <= (SELECT max(time) FROM scanned);

-- The hours of the logs, each with its weight: the share of the week's
-- successful logins (with logs alone: passwords accepted) that fall at that hour of the day (real users' activity,
-- which the attack hardly changes), so that a busy evening is not taken for
-- an incident.
CREATE OR REPLACE TABLE scan_hours AS
WITH bounds AS (
    SELECT date_trunc('hour', min(time)) AS lo, date_trunc('hour', max(time)) AS hi FROM scanned
), hours AS (
    SELECT unnest(generate_series(lo, hi, INTERVAL 1 HOUR)) AS hour FROM bounds WHERE lo IS NOT NULL
), hod AS (
    -- successful logins; with no snapshot to tell them, passwords accepted
    SELECT hour(time) AS hod, count(*) AS n FROM scanned
    WHERE outcome = 'success' OR (outcome IN ('password_ok', 'second_factor_stop') AND NOT (SELECT events FROM attempt_sources))
    GROUP BY ALL
)
SELECT row_number() OVER (ORDER BY h.hour) - 1 AS i, h.hour,
       (coalesce(hod.n, 0) + 1) / (SELECT avg(n) + 1 FROM hod) AS weight
FROM hours h LEFT JOIN hod ON hod.hod = hour(h.hour);

-- Per signal and hour, the count with each client capped.
CREATE OR REPLACE TABLE signal_hours AS
WITH capped AS (
    SELECT signal, date_trunc('hour', time) AS hour, least(count(*), getvariable('cap_per_client')) AS n
    FROM signal_events GROUP BY signal, hour, client
)
SELECT s.signal, h.i, h.hour,
       -- the signals of new addresses cannot be read before address_warmup's end
       CASE WHEN contains(s.signal, 'addresses') AND h.hour < (SELECT date_trunc('hour', judged_from) FROM address_warmup) THEN 0
            ELSE h.weight END AS weight,
       coalesce(sum(c.n), 0) AS n
FROM (SELECT DISTINCT signal FROM signal_events) s CROSS JOIN scan_hours h
LEFT JOIN capped c ON c.signal = s.signal AND c.hour = h.hour
GROUP BY ALL;

-- Every stretch of hours [i, j], every signal: observed against expected.
CREATE OR REPLACE TABLE scan_segments AS
WITH cum AS (
    SELECT signal, i, hour, n, weight,
           sum(n) OVER (PARTITION BY signal ORDER BY i) AS cn,
           sum(weight) OVER (PARTITION BY signal ORDER BY i) AS cw
    FROM signal_hours
), tot AS (
    SELECT signal, max(cn) AS total, max(cw) AS wtotal, count(*) AS hours FROM cum GROUP BY signal
), seg AS (
    SELECT a.signal, a.i AS first_i, b.i AS last_i,
           b.cn - a.cn + a.n AS x, b.cw - a.cw + a.weight AS w, t.total, t.wtotal, t.hours
    FROM cum a JOIN cum b ON a.signal = b.signal AND b.i >= a.i AND b.i - a.i < getvariable('max_hours')
    JOIN tot t ON t.signal = a.signal
    WHERE t.hours - (b.i - a.i + 1) >= getvariable('min_baseline_hours')
)
SELECT *, total * w / wtotal AS expected,
       CASE WHEN x > total * w / wtotal AND total > 0 THEN
                x * ln(x / (total * w / wtotal))
                + CASE WHEN total > x THEN (total - x) * ln((total - x) / (total - total * w / wtotal)) ELSE 0 END
            ELSE 0 END AS llr
FROM seg;

CREATE OR REPLACE TABLE window_signals AS
WITH score AS (
    SELECT first_i, last_i, sum(llr) AS score FROM scan_segments GROUP BY ALL
), best AS (
    SELECT * FROM score ORDER BY score DESC, last_i - first_i, first_i LIMIT 1
)
SELECT s.signal, s.x AS in_window, round(s.expected, 2) AS expected, s.total, round(s.llr, 2) AS llr,
       b.first_i, b.last_i, b.score
FROM scan_segments s JOIN best b USING (first_i, last_i)
ORDER BY s.llr DESC, s.signal;

CREATE OR REPLACE TABLE analysis_window AS
WITH best AS (
    SELECT any_value(first_i) AS first_i, any_value(last_i) AS last_i, any_value(score) AS score FROM window_signals
), bounds AS (
    SELECT min(hour) AS lo, max(hour) + INTERVAL 1 HOUR AS hi FROM scan_hours
), found AS (
    SELECT (SELECT hour FROM scan_hours WHERE i = best.first_i) AS scan_from,
           (SELECT hour FROM scan_hours WHERE i = best.last_i) + INTERVAL 1 HOUR AS scan_to,
           coalesce(best.score, 0) AS score, bounds.lo, bounds.hi
    FROM best, bounds
), w AS (
    SELECT *, greatest(scan_from - to_hours(getvariable('pad_hours')::BIGINT), lo) AS padded_from,
           least(scan_to + to_hours(getvariable('pad_hours')::BIGINT), hi) AS padded_to,
           CASE WHEN getvariable('window_from') IS NOT NULL THEN 'given'
                WHEN score >= getvariable('min_score') THEN 'auto'
                WHEN score >= getvariable('candidate_score') THEN 'candidate'
                ELSE 'none' END AS source
    FROM found
)
SELECT CASE WHEN source = 'given' THEN getvariable('window_from')::TIMESTAMPTZ WHEN source <> 'none' THEN padded_from END AS window_from,
       CASE WHEN source = 'given' THEN getvariable('window_to')::TIMESTAMPTZ WHEN source <> 'none' THEN padded_to END AS window_to,
       source, round(score, 2) AS score, getvariable('min_score') AS min_score, getvariable('candidate_score') AS candidate_score,
       -- the stretch the scan found, unpadded, whether or not it was enough
       CASE WHEN score > 0 THEN scan_from END AS scan_from, CASE WHEN score > 0 THEN scan_to END AS scan_to
FROM w;

-- Every attempt with whether it falls in the window; and those that do
-- (none when there is no window).
CREATE OR REPLACE VIEW span_attempts AS
SELECT a.*, coalesce(a.time >= w.window_from AND a.time < w.window_to, false) AS in_window
FROM attempts a, analysis_window w;

CREATE OR REPLACE VIEW window_attempts AS
SELECT * EXCLUDE (in_window) FROM span_attempts WHERE in_window;

CREATE OR REPLACE TABLE hourly AS
WITH w AS (SELECT * FROM analysis_window), counts AS (
    SELECT h.hour,
           count(a.time) FILTER (WHERE a.outcome = 'success') AS successes,
           count(a.time) FILTER (WHERE a.outcome IN ('failure', 'unknown_user')) AS failures,
           count(a.time) FILTER (WHERE a.outcome = 'unknown_user') AS unknown_users
    FROM scan_hours h LEFT JOIN attempts a ON date_trunc('hour', a.time) = h.hour
    GROUP BY h.hour
), signals AS (
    SELECT hour, sum(n) AS campaign_like FROM signal_hours GROUP BY hour
), flagged AS (
    SELECT c.*, coalesce(s.campaign_like, 0) AS campaign_like,
           coalesce(c.hour >= w.window_from AND c.hour < w.window_to, false) AS in_window
    FROM counts c LEFT JOIN signals s USING (hour), w
), band AS (
    SELECT hour(hour) AS hod,
           quantile_cont(successes, 0.5) AS base_successes_p50,
           quantile_cont(successes, 0.05) AS base_successes_p05,
           quantile_cont(successes, 0.95) AS base_successes_p95,
           quantile_cont(failures, 0.5) AS base_failures_p50,
           quantile_cont(failures, 0.95) AS base_failures_p95,
           count(*) AS base_hours
    FROM flagged WHERE NOT in_window GROUP BY ALL
)
SELECT f.*, b.* EXCLUDE (hod)
FROM flagged f LEFT JOIN band b ON b.hod = hour(f.hour)
ORDER BY f.hour;

DROP TABLE scan_segments;

DROP VIEW scanned;

DROP TABLE attempt_sources;
