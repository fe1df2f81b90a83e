-- id: verdict
-- kind: stage
-- title: The verdict: attack, anomaly, no anomaly or inconclusive, with its reason and what to do next
-- level: informational
-- status: test
-- tags: attack.credential_access attack.t1110.004
-- reads: coverage analysis_window campaigns account_verdicts window_signals
-- results: analysis_verdict
-- description: One answer for the run, judged in this order:
--   inconclusive: the sources cannot support an answer: logs given that
--     hold no request, or none in bounds (stage bounds); no login attempt at all; logs and snapshot that do not overlap in time, or whose
--     login events inside the overlap pair with a log line less than
--     min_paired_share of the time (a log of another site, period or host);
--     fewer than min_attempts login attempts in the analysed span; or, when
--     no campaign was found, fewer than min_baseline_hours of baseline.
--   attack: a campaign was attributed (stage campaigns).
--   anomaly: no campaign, but signals rose beyond their baselines: an
--     incident window stands (found by the scan, confirmed, or given). It
--     names the signals that rose and their hours, to be read by a human.
--   no anomaly: none of these, on the coverage stage coverage states.
--   No single signal decides: anomaly rests on the scan's sum over all
--   signals, attack on the attribution's campaign.
-- false positives: A week without attack carries the background of a public
--   login form (scripts trying lists, short bursts that get nothing), which
--   scores a stretch of hours every week, up to 38 on the tuning seeds;
--   the window's min_score (stage window) is above that, so background
--   alone says no anomaly, with its best stretch's score in the reason.
-- parameters:
--   min_paired_share = 0.5: share of the snapshot's login events inside the logs' span that must pair with a log line
--   min_attempts = 100: login attempts the analysed span needs for any answer
--   min_baseline_hours = 48: hours outside the incident window the signals need as their baseline
-- references: Kulldorff, "A spatial scan statistic", 1997 (the scan's score)

CREATE OR REPLACE TABLE analysis_verdict AS
WITH c AS (FROM coverage), w AS (FROM analysis_window), camp AS (
    SELECT count(*) AS campaigns, coalesce(sum(attempts), 0) AS attempts, coalesce(sum(accounts), 0) AS accounts FROM campaigns
), v AS (
    SELECT count(*) FILTER (WHERE classification = 'compromised') AS compromised,
           count(*) FILTER (WHERE to_freeze) AS to_freeze,
           count(*) FILTER (WHERE classification = 'exposed') AS exposed,
           count(*) FILTER (WHERE classification = 'review') AS review
    FROM account_verdicts
), rose AS (
    SELECT list(format('{} ({:d} in the stretch, {} expected)', signal, in_window, expected) ORDER BY llr DESC, signal) AS signals
    FROM window_signals WHERE llr > 0
), caused AS (
    SELECT CASE
        WHEN c.sources = 'nothing' THEN 'nothing'
        WHEN c.sources IN ('logs only', 'logs and snapshot') AND c.requests = 0 THEN 'empty logs'
        WHEN c.sources IN ('logs only', 'logs and snapshot') AND c.logs_from IS NULL THEN 'logs out of bounds'
        WHEN c.attempts_judged = 0 THEN 'no attempts'
        WHEN c.sources = 'logs and snapshot' AND c.overlap_from IS NULL THEN 'no overlap'
        WHEN c.sources = 'logs and snapshot' AND coalesce(c.events_paired_share, 0) < getvariable('min_paired_share') THEN 'no pairing'
        WHEN c.attempts_judged < getvariable('min_attempts') THEN 'few attempts'
        WHEN camp.campaigns > 0 THEN 'campaign'
        WHEN c.baseline_hours < getvariable('min_baseline_hours') THEN 'short baseline'
        WHEN w.source <> 'none' THEN 'window'
        ELSE 'quiet' END AS cause, c.*, w.*, camp.*, v.*, coalesce(rose.signals, []::VARCHAR[]) AS signals
    FROM c, w, camp, v, rose
)
SELECT CASE cause WHEN 'campaign' THEN 'attack' WHEN 'window' THEN 'anomaly' WHEN 'quiet' THEN 'no anomaly' ELSE 'inconclusive' END AS verdict,
       CASE cause
       WHEN 'nothing' THEN 'the case holds neither access logs nor a snapshot'
       WHEN 'empty logs' THEN 'the access logs given hold no request'
       WHEN 'logs out of bounds' THEN format('all {:d} requests of the access logs are dated after {}, more than bounds.pad_days past the snapshot''s last event or past when the logs were ingested: the logs are of a later period than the snapshot, or a clock is wrong',
                                             requests, ff_minute(requests_bound_to))
       WHEN 'no attempts' THEN 'no login attempt: neither a login POST in the access logs nor a login event of the snapshot in the span analysed'
       WHEN 'no overlap' THEN format('the access logs ({} .. {}) and the snapshot''s login events ({}) do not overlap in time',
                                     ff_minute(logs_from), ff_minute(logs_to), coalesce(ff_minute(events_from) || ' .. ' || ff_minute(events_to), 'none'))
       WHEN 'no pairing' THEN format('{:d} of the snapshot''s {:d} login events inside the logs'' span paired with a log line ({:.1f} %, under {:.0f} %): the logs are of another site, host or period, or the login path differs',
                                     events_paired, events_in_overlap, 100 * coalesce(events_paired_share, 0), 100 * getvariable('min_paired_share'))
       WHEN 'few attempts' THEN format('{:d} login attempts in the span analysed, under the {:d} an answer needs', attempts_judged, getvariable('min_attempts')::BIGINT)
       WHEN 'campaign' THEN format('a campaign was attributed: {:d} attempts on {:d} accounts; {:d} taken over ({}), {:d} exposed (password right, stopped at the second factor), {:d} to review',
                                   attempts, accounts, compromised,
                                   CASE WHEN to_freeze = compromised THEN 'to freeze'
                                        ELSE format('{:d} to freeze; the others already frozen or disabled, or without a username', to_freeze) END,
                                   exposed, review)
       WHEN 'short baseline' THEN format('{:d} hours of baseline outside the window, under the {:d} the signals need to be judged', baseline_hours, getvariable('min_baseline_hours')::BIGINT)
       WHEN 'window' THEN format('signals rose beyond their baselines from {} to {} (scan score {}), but no campaign was attributed: {}',
                                 ff_minute(window_from), ff_minute(window_to), score, array_to_string(signals, '; '))
       ELSE format('no incident window: the signals'' best stretch{} scored {}, under the {} a window needs (weeks without attack, their background included, stay under it); judged over {:d} hours ({:.1f} days of baseline) and {:d} login attempts',
                   CASE WHEN scan_from IS NOT NULL THEN format(' ({} .. {})', ff_minute(scan_from), ff_minute(scan_to)) ELSE '' END,
                   score, min_score, span_hours, baseline_days, attempts_judged) END AS reason,
       CASE cause
       WHEN 'campaign' THEN 'freeze the accounts of freeze-list.csv, have the exposed ones (exposed.csv) change their passwords, block the campaign''s addresses (block-list.csv), check tampering.csv, and read report.html'
       WHEN 'window' THEN 'read the hours and signals named here and in report.html and timeline_hourly.csv; if they are an attack the run did not attribute, rerun analyze with --window FROM..TO over them'
       WHEN 'quiet' THEN 'nothing to act on in what was checked; read what was not checked (below, and in report.html)'
       WHEN 'nothing' THEN 'ingest the access logs and the snapshot (freezeframe ingest logs, freezeframe ingest snapshot), then rerun'
       WHEN 'empty logs' THEN 'check the log files given (an empty export, a wrong path or pattern), ingest the right ones into a new case, then rerun'
       WHEN 'few attempts' THEN 'give logs or a snapshot that cover more of the site''s logins (a longer span), or lower verdict.min_attempts knowing the signals are then judged on little'
       WHEN 'short baseline' THEN format('give logs that cover at least {:d} hours outside the incident (days before it), or read the campaign evidence as unjudged', getvariable('min_baseline_hours')::BIGINT)
       ELSE 'give the access logs and the snapshot of the same site and period (freezeframe query "SELECT * FROM coverage" shows the spans and the pairing), or one of them alone, then rerun' END AS next_step,
       CASE WHEN cause IN ('campaign', 'window') THEN window_from END AS hours_from,
       CASE WHEN cause IN ('campaign', 'window') THEN window_to END AS hours_to,
       CASE WHEN cause IN ('campaign', 'window') THEN signals ELSE []::VARCHAR[] END AS signals
FROM caused;
