-- id: attribution
-- kind: stage
-- title: Which attempts in the window are the campaign's, each by its own evidence
-- level: informational
-- status: test
-- tags: attack.credential_access attack.t1110.004
-- reads: span_attempts attempts evidence scan_hours findings
-- results: window_evidence evidence_weights attempt_scores campaign_shares
-- description: The window's attempts are a mixture of two populations: what the
--   hours outside the window show (real users, their typos and give-ups,
--   scripts that try lists all week), and the campaign. The baseline is
--   measured outside the window, kind by kind of attempt (successful
--   logins, failed ones, unknown usernames, stops at the second factor) and
--   value by value of every piece of evidence the heuristics read; the
--   campaign is what the window holds beyond it, learned from the window
--   itself (expectation-maximisation over a two-part mixture, naive Bayes in
--   each part: Freeman et al.'s model of a login, with the attacker's side
--   measured rather than assumed). So an attacker in the shape of the largest
--   population of real users gets no weight for its shape, one that copies
--   each victim's language none for the language, and each is judged by
--   what it cannot copy: networks the accounts never used, dormant accounts,
--   failed attempts on many accounts, what it does once in. What the
--   campaign does after a successful login (enrolment, actions) is measured
--   on the logins the rest of its evidence makes the campaign's. A piece of
--   evidence weighs log2 of how much more often the campaign shows it than
--   the baseline does for that kind of attempt: its points; an attempt's
--   score is the sum of its points, its posterior the probability that the
--   campaign made it (the campaign's share of the window, its kind, its
--   points). Attempts whose own client got in to the same account within
--   session_s (the owner's typos, a code entered right after a wrong one) and
--   usernames corrected the same way are the owner's: they are left out.
-- false positives: The evidence is read as independent given the
--   population, which it is not quite (a traveller's new network and new
--   country go together): posteriors are sharper than the truth, which is
--   why stage classify freezes only on a high one.
-- parameters:
--   session_s = 900: seconds in which a client that failed and then got in was the account's owner
--   smoothing = 5: pseudo-attempts pulling the campaign's shares towards the baseline's
--   excess_z = 2: standard errors of chance taken off each kind's excess before it counts as the campaign's
--   iterations = 20: rounds of expectation-maximisation
--   min_listed_score = 3: score from which a login's evidence is written to findings
-- references: Freeman et al., "Who Are You? A Statistical Approach to Measuring User Authenticity", NDSS 2016;
--   Dempster, Laird and Rubin, "Maximum likelihood from incomplete data via the EM algorithm", 1977

-- The kind of each attempt in the logs' span.
CREATE OR REPLACE TABLE attempt_classes AS
WITH resolved AS (
    SELECT DISTINCT f.attempt_id
    FROM span_attempts f JOIN attempts s ON s.account = f.account AND s.client = f.client AND s.outcome = 'success'
     AND s.time >= f.time AND s.time <= f.time + to_seconds(getvariable('session_s'))
    WHERE f.outcome = 'failure'
)
SELECT attempt_id, in_window,
       CASE WHEN outcome = 'success' THEN 'success'
            WHEN attempt_id IN (SELECT attempt_id FROM resolved) THEN 'other'
            WHEN outcome = 'second_factor_stop' OR (outcome = 'failure' AND failure_reason <> 'invalid_password') THEN 'second factor'
            WHEN outcome IN ('failure', 'rate_limited') THEN 'failure'
            WHEN outcome = 'unknown_user' THEN 'unknown username'
            ELSE 'other' END AS class
FROM span_attempts;

CREATE OR REPLACE TABLE feature_counts AS
SELECT e.feature, e.value, k.class,
       count(*) FILTER (WHERE k.in_window) AS n_in, count(*) FILTER (WHERE NOT k.in_window) AS n_out
FROM evidence e JOIN attempt_classes k USING (attempt_id)
WHERE k.class <> 'other'
GROUP BY ALL;

-- What a feature is measured against, by kind of attempt: its own kind's
-- attempts outside the window; for stops at the second factor, the
-- successful logins (both had the right password, and real stops are few).
CREATE OR REPLACE TABLE baseline_shares AS
WITH v AS (
    SELECT DISTINCT feature, value FROM feature_counts
), k AS (
    SELECT DISTINCT class FROM attempt_classes WHERE class <> 'other'
), c AS (
    SELECT v.feature, v.value, k.class, coalesce(sum(f.n_out), 0) AS n_out
    FROM v CROSS JOIN k
    LEFT JOIN feature_counts f ON f.feature = v.feature AND f.value = v.value
     AND f.class = CASE k.class WHEN 'second factor' THEN 'success' ELSE k.class END
    GROUP BY ALL
), t AS (
    SELECT feature, class, sum(n_out) AS n, count(*) AS k FROM c GROUP BY ALL
)
SELECT c.feature, c.value, c.class, c.n_out, (c.n_out + 0.5) / (t.n + 0.5 * t.k) AS share
FROM c JOIN t USING (feature, class);

-- The failed kinds' attempts in the window and outside it (read again by
-- the campaign's kinds and share below); their shares outside the window,
-- and their values pooled (what the campaign's shares are pulled towards
-- when the window says little).
CREATE OR REPLACE TABLE failed_counts AS
SELECT class, count(*) FILTER (WHERE in_window) AS n_in, count(*) FILTER (WHERE NOT in_window) AS n_out
FROM attempt_classes WHERE class IN ('failure', 'unknown username', 'second factor') GROUP BY class;

CREATE OR REPLACE TABLE failed_classes AS
SELECT class, (n_out + 0.5) / (sum(n_out) OVER () + 1.5) AS share FROM failed_counts;

CREATE OR REPLACE TABLE failed_pooled AS
WITH c AS (
    SELECT v.feature, v.value, coalesce(sum(f.n_out), 0) + 0.5 AS n
    FROM (SELECT DISTINCT feature, value FROM feature_counts) v
    LEFT JOIN feature_counts f ON f.feature = v.feature AND f.value = v.value AND f.class <> 'success'
    GROUP BY ALL
)
SELECT feature, value, n / sum(n) OVER (PARTITION BY feature) AS share FROM c;

-- Features only successful logins have (what happens once in).
CREATE OR REPLACE TABLE login_features AS
SELECT DISTINCT feature FROM feature_counts WHERE class = 'success'
EXCEPT SELECT DISTINCT feature FROM feature_counts WHERE class <> 'success';

-- The window's attempts, grouped by kind and evidence into distinct
-- combinations (thousands, where attempts are millions), each piece of
-- evidence by a number.
CREATE OR REPLACE TABLE evidence_values AS
SELECT row_number() OVER (ORDER BY feature, value) AS id, feature, value FROM (SELECT DISTINCT feature, value FROM feature_counts);

CREATE OR REPLACE TABLE em_attempts AS
WITH a AS (
    SELECT k.attempt_id, k.class, list(v.id ORDER BY v.id) FILTER (WHERE v.id IS NOT NULL) AS items
    FROM attempt_classes k
    LEFT JOIN evidence e USING (attempt_id)
    LEFT JOIN evidence_values v ON v.feature = e.feature AND v.value = e.value
    WHERE k.in_window AND k.class <> 'other'
    GROUP BY k.attempt_id, k.class
)
SELECT attempt_id, class, items, dense_rank() OVER (ORDER BY class, items) AS combo FROM a;

CREATE OR REPLACE TABLE em_combos AS
SELECT combo, any_value(class) AS class, any_value(items) AS items, count(*) AS n FROM em_attempts GROUP BY combo;

CREATE OR REPLACE TABLE em_items AS
SELECT c.combo, c.class, c.n, v.feature, v.value
FROM (SELECT combo, class, n, unnest(coalesce(items, [])) AS id FROM em_combos) c JOIN evidence_values v USING (id);

-- Each combination's log-likelihood under the baseline, within its phase
-- (failed kinds: the kind and the evidence; logins: the evidence): fixed.
CREATE OR REPLACE TABLE em_baseline AS
SELECT c.combo, c.class, c.n, coalesce(any_value(ln(bc.share)), 0) + coalesce(sum(ln(b.share)), 0) AS ll
FROM em_combos c LEFT JOIN failed_classes bc ON bc.class = c.class
LEFT JOIN em_items i USING (combo)
LEFT JOIN baseline_shares b ON b.feature = i.feature AND b.value = i.value AND b.class = c.class
GROUP BY c.combo, c.class, c.n;

-- Phase one: the campaign among the window's failed attempts (wrong
-- passwords, unknown usernames, stops at the second factor). Its first
-- guess: their excess over what the hours outside the window predict,
-- value by value.
CREATE OR REPLACE TABLE window_exposure AS
SELECT coalesce(sum(h.weight) FILTER (WHERE h.hour >= w.window_from AND h.hour < w.window_to)
                / nullif(sum(h.weight) FILTER (WHERE NOT (h.hour >= w.window_from AND h.hour < w.window_to)), 0), 0) AS factor
FROM scan_hours h, analysis_window w
WHERE w.window_from IS NOT NULL;

CREATE OR REPLACE TABLE em_shares AS
WITH f AS (
    SELECT feature, value, greatest(0, sum(n_in) - sum(n_out) * (SELECT factor FROM window_exposure)) AS excess
    FROM feature_counts WHERE class <> 'success' GROUP BY ALL
), v AS (
    SELECT p.feature, p.value, p.share AS prior, coalesce(f.excess, 0) AS weight
    FROM failed_pooled p LEFT JOIN f USING (feature, value)
)
SELECT feature, value, (weight + getvariable('smoothing') * prior) / (sum(weight) OVER (PARTITION BY feature) + getvariable('smoothing')) AS share
FROM v;

-- The campaign's kinds of failed attempt, from each kind's excess beyond
-- chance (excess_z standard errors): a kind the window does not hold more
-- of than the hours outside it predict is no more the campaign's than the
-- baseline's.
CREATE OR REPLACE TABLE em_classes AS
WITH n AS (
    SELECT class, n_in, n_out, (SELECT factor FROM window_exposure) AS f FROM failed_counts
), c AS (
    SELECT class, greatest(0, n_in - n_out * f - getvariable('excess_z') * sqrt(n_in + n_out * f * f)) AS excess FROM n
)
SELECT c.class, (c.excess + getvariable('smoothing') * k.share) / (sum(c.excess) OVER () + getvariable('smoothing')) AS share
FROM c JOIN failed_classes k USING (class);

CREATE OR REPLACE TABLE em_mixture AS
WITH c AS (
    SELECT n_in, n_in - n_out * (SELECT factor FROM window_exposure) AS excess FROM failed_counts
)
SELECT least(0.95, greatest(0.001, sum(greatest(0, excess)) / nullif(sum(n_in), 0))) AS campaign FROM c;

-- Expectation-maximisation: how likely each combination is the campaign's
-- (its responsibility), then the campaign's shares of the evidence from
-- those. The campaign's part of the failed attempts, and its kinds, stay
-- what the hours outside the window say they are (their excess): learnt
-- from the window alone, a few dozen failed attempts would make a campaign
-- of themselves. Values are rounded so that the same case gives the same
-- results whatever order DuckDB adds them in.
-- repeat getvariable('iterations')
CREATE OR REPLACE TABLE em_resp AS
WITH a AS (
    SELECT c.combo, c.n, any_value(ln(m.campaign) + ln(ec.share)) + coalesce(sum(ln(s.share)), 0) AS ll
    FROM em_combos c
    JOIN em_classes ec ON ec.class = c.class
    CROSS JOIN em_mixture m
    LEFT JOIN em_items i ON i.combo = c.combo
    LEFT JOIN em_shares s ON s.feature = i.feature AND s.value = i.value
    WHERE c.class <> 'success'
    GROUP BY c.combo, c.n
)
SELECT a.combo, a.n, round(1 / (1 + exp(least(500, b.ll + ln(1 - m.campaign) - a.ll))), 12) AS r
FROM a JOIN em_baseline b USING (combo), em_mixture m;

CREATE OR REPLACE TABLE em_shares AS
WITH w AS (
    SELECT i.feature, i.value, sum(i.n * r.r) AS weight
    FROM em_items i JOIN em_resp r USING (combo)
    GROUP BY ALL
), v AS (
    SELECT p.feature, p.value, p.share AS prior, coalesce(w.weight, 0) AS weight
    FROM failed_pooled p LEFT JOIN w USING (feature, value)
)
SELECT feature, value, round((weight + getvariable('smoothing') * prior) / (sum(weight) OVER (PARTITION BY feature) + getvariable('smoothing')), 12) AS share
FROM v;
-- end repeat

-- Phase two: the window's successful logins, judged against the campaign's
-- profile from phase one (fixed) and the owners' logins outside the
-- window. First on that profile alone, learning only how many of the
-- logins are the campaign's; then what those logins do once in (the
-- features only logins have) is measured on them, weighted by how likely
-- each is the campaign's, and added. Measured once, not iterated: logins
-- that resemble each other would otherwise make a campaign of themselves.
CREATE OR REPLACE TABLE login_profile AS
SELECT c.combo, c.n, coalesce(sum(ln(s.share)) FILTER (WHERE s.share IS NOT NULL), 0) AS ll_campaign,
       coalesce(sum(ln(b.share)) FILTER (WHERE s.share IS NOT NULL), 0) AS ll_baseline
FROM em_combos c
LEFT JOIN em_items i ON i.combo = c.combo
LEFT JOIN em_shares s ON s.feature = i.feature AND s.value = i.value AND s.feature NOT IN (SELECT feature FROM login_features)
LEFT JOIN baseline_shares b ON b.feature = i.feature AND b.value = i.value AND b.class = 'success'
WHERE c.class = 'success'
GROUP BY c.combo, c.n;

CREATE OR REPLACE TABLE login_mixture AS SELECT 0.01 AS campaign;

-- repeat getvariable('iterations')
CREATE OR REPLACE TABLE login_mixture AS
SELECT round(least(0.9999, greatest(0.00001,
           sum(n / (1 + exp(least(500, ll_baseline + ln(1 - m.campaign) - ll_campaign - ln(m.campaign))))) / sum(n))), 12) AS campaign
FROM login_profile, login_mixture m;
-- end repeat

CREATE OR REPLACE TABLE login_shares AS
WITH r AS (
    SELECT p.combo, p.n / (1 + exp(least(500, p.ll_baseline + ln(1 - m.campaign) - p.ll_campaign - ln(m.campaign)))) AS weight
    FROM login_profile p, login_mixture m
), w AS (
    SELECT i.feature, i.value, sum(r.weight) AS weight
    FROM em_items i JOIN r USING (combo)
    WHERE i.feature IN (SELECT feature FROM login_features)
    GROUP BY ALL
), v AS (
    SELECT b.feature, b.value, b.share AS prior, coalesce(w.weight, 0) AS weight
    FROM baseline_shares b LEFT JOIN w USING (feature, value)
    WHERE b.class = 'success' AND b.feature IN (SELECT feature FROM login_features)
)
SELECT feature, value, round((weight + getvariable('smoothing') * prior) / (sum(weight) OVER (PARTITION BY feature) + getvariable('smoothing')), 12) AS share
FROM v;

CREATE OR REPLACE TABLE login_resp AS
SELECT c.combo, c.n,
       round(1 / (1 + exp(least(500, b.ll + ln(1 - m.campaign)
                                  - ln(m.campaign) - coalesce(sum(ln(coalesce(ls.share, s.share))) FILTER (WHERE ls.share IS NOT NULL OR s.share IS NOT NULL), 0)))), 12) AS r
FROM em_combos c
JOIN em_baseline b USING (combo)
CROSS JOIN login_mixture m
LEFT JOIN em_items i ON i.combo = c.combo
LEFT JOIN em_shares s ON s.feature = i.feature AND s.value = i.value
LEFT JOIN login_shares ls ON ls.feature = i.feature AND ls.value = i.value
WHERE c.class = 'success'
GROUP BY c.combo, c.n, b.ll, m.campaign;

-- Points of every value for every kind of attempt: the campaign's share
-- (from phase one; what happens once in, from phase two) against the
-- baseline's.
CREATE OR REPLACE TABLE evidence_weights AS
WITH c AS (
    SELECT feature, value, share FROM em_shares WHERE feature NOT IN (SELECT feature FROM login_features)
    UNION ALL SELECT feature, value, share FROM login_shares
)
SELECT c.feature, c.value, b.class, c.share AS campaign_share, b.share AS baseline_share,
       log2(c.share / b.share) AS points, b.n_out AS baseline_attempts
FROM c JOIN baseline_shares b USING (feature, value);

-- What the model learnt, for the record: the campaign's share of the
-- window's failed attempts and of its logins, and of each kind of failed
-- attempt.
CREATE OR REPLACE TABLE campaign_shares AS
SELECT 'failed attempts' AS what, campaign AS share FROM em_mixture
UNION ALL SELECT 'logins', campaign FROM login_mixture
UNION ALL SELECT 'of its failed attempts: ' || class, share FROM em_classes;

-- The evidence about every attempt in the window, for investigators. No
-- step reads it: it is built straight into main under a staging name, to be
-- renamed, not copied, when the run publishes its results.
CREATE OR REPLACE TABLE main.ff_staged_window_evidence AS
SELECT e.* FROM evidence e JOIN attempt_classes k USING (attempt_id) WHERE k.in_window;

-- Every attempt in the window, scored: the sum of its points, and the
-- probability that the campaign made it (its responsibility in the last
-- round of its phase).
CREATE OR REPLACE TABLE attempt_scores AS
WITH s AS (
    SELECT e.attempt_id, e.class,
           coalesce(sum(w.points), 0) AS score,
           list(DISTINCT ev.heuristic ORDER BY ev.heuristic) FILTER (WHERE w.points > 0) AS heuristics
    FROM em_attempts e
    LEFT JOIN evidence ev USING (attempt_id)
    LEFT JOIN evidence_weights w ON w.feature = ev.feature AND w.value = ev.value AND w.class = e.class
    GROUP BY e.attempt_id, e.class
), r AS (
    SELECT e.attempt_id, coalesce(x.r, y.r) AS posterior
    FROM em_attempts e
    LEFT JOIN em_resp x ON x.combo = e.combo LEFT JOIN login_resp y ON y.combo = e.combo
)
SELECT s.attempt_id, a.account, s.class, round(s.score, 1) AS score, round(r.posterior, 4) AS posterior,
       r.posterior >= 0.5 AS attributed, coalesce(s.heuristics, []) AS heuristics
FROM s JOIN r USING (attempt_id) JOIN attempts a USING (attempt_id);

-- The evidence that counted, as findings: for every attempt the campaign
-- holds, and every login (or stop at the second factor) scoring
-- min_listed_score or more.
INSERT INTO findings
SELECT e.heuristic, 'attempt', s.attempt_id, s.account, a.client, a.time, round(w.points, 1),
       format('{} [{}: {:.1f}% of the campaign, {:.1f}% of {} outside the window]', coalesce(e.detail, e.value), e.value,
              100 * w.campaign_share, 100 * w.baseline_share,
              CASE s.class WHEN 'success' THEN 'logins' WHEN 'second factor' THEN 'logins' WHEN 'failure' THEN 'failed logins' ELSE 'unknown usernames' END)
FROM attempt_scores s
JOIN evidence e USING (attempt_id)
JOIN evidence_weights w ON w.feature = e.feature AND w.value = e.value AND w.class = s.class
JOIN attempts a USING (attempt_id)
WHERE (s.attributed OR (s.class IN ('success', 'second factor') AND s.score >= getvariable('min_listed_score')))
  AND abs(w.points) >= 0.5;

DROP TABLE feature_counts;

DROP TABLE failed_counts;

DROP TABLE em_items;

DROP TABLE evidence_values;

DROP TABLE em_combos;

DROP TABLE em_baseline;

DROP TABLE em_resp;

DROP TABLE login_resp;

DROP TABLE login_profile;
