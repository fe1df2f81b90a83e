-- id: bot-speed
-- kind: heuristic
-- title: Credentials posted without loading the login form, or faster than anyone types
-- catches: Scripts that POST the login form directly (65% of stuffing
--   traffic is plain HTTP with no browser emulation, F5 2023), and tools that
--   load it but submit within a second.
-- false positives: Password managers fill and submit in about a second, but
--   load the form first. API clients and cached forms (back button) can post
--   without a fresh GET within the form window.
-- parameters:
--   w_no_form = 4: points for a login POST with no GET of the form from the same client in the form window
--   w_fast = 1: points for a POST sooner than min_think_s after the form
--   min_think_s = 1.0: seconds from form to POST below which no person types
-- references: F5 Labs, 2023 Identity Threat Report; Warehouse login flow

INSERT INTO findings
SELECT 'bot-speed', 'attempt', attempt_id, account, client, time,
       CASE WHEN form_gap IS NULL THEN getvariable('w_no_form') ELSE getvariable('w_fast') END,
       CASE WHEN form_gap IS NULL THEN format('{} posted credentials without loading the login form', client)
            ELSE format('{} posted credentials {:.1f} s after loading the login form', client, form_gap) END
FROM window_attempts
WHERE outcome = 'success' AND logged AND (form_gap IS NULL OR form_gap < getvariable('min_think_s'));
