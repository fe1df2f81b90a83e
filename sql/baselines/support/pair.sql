-- Pairing: finds, for every account, the successful logins that pair with
-- an alert: at or after the alert's first failed login and at most
-- baselines.PairWithin (6 h) after it fires, on one of its attacked accounts or from one of
-- its alerted addresses. It returns one row per account: the earliest
-- pairing (by login time, login, alert), how it paired, and how many alerts
-- and logins paired in all. The alerts come as parallel lists.
-- Parameters, bound in order: alert ids, pair_from, pair_to; per attacked
-- account its alert and the account; per alerted address its alert and the address.
WITH alerts AS (
    SELECT unnest(?::INTEGER[]) AS alert, unnest(?::VARCHAR[])::TIMESTAMPTZ AS pair_from, unnest(?::VARCHAR[])::TIMESTAMPTZ AS pair_to
), alert_accounts AS (
    SELECT unnest(?::INTEGER[]) AS alert, unnest(?::VARCHAR[])::UUID AS account
), alert_clients AS (
    SELECT unnest(?::INTEGER[]) AS alert, unnest(?::VARCHAR[]) AS client
), successes AS (
    SELECT attempt_id, time, account, username, client
    FROM attempts
    WHERE outcome = 'success' AND account IS NOT NULL AND time IS NOT NULL
), matches AS (
    SELECT s.*, a.alert, true AS by_user, false AS by_source
    FROM alert_accounts x JOIN alerts a USING (alert)
    JOIN successes s ON s.account = x.account AND s.time BETWEEN a.pair_from AND a.pair_to
    UNION ALL
    SELECT s.*, a.alert, false, true
    FROM alert_clients x JOIN alerts a USING (alert)
    JOIN successes s ON s.client = x.client AND s.time BETWEEN a.pair_from AND a.pair_to
), pairs AS (
    SELECT account, attempt_id, alert, any_value(time) AS time, any_value(username) AS username,
           any_value(client) AS client, bool_or(by_user) AS by_user, bool_or(by_source) AS by_source
    FROM matches
    GROUP BY account, attempt_id, alert
), totals AS (
    SELECT account, count(DISTINCT alert) AS alerts, count(DISTINCT attempt_id) AS logins
    FROM pairs
    GROUP BY account
)
SELECT p.account::VARCHAR, coalesce(p.username, ''), p.time, coalesce(p.client, ''), p.alert, p.by_user, p.by_source, t.alerts, t.logins
FROM pairs p JOIN totals t USING (account)
QUALIFY row_number() OVER (PARTITION BY p.account ORDER BY p.time, p.attempt_id, p.alert) = 1;
