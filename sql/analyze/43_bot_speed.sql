-- id: bot-speed
-- kind: heuristic
-- title: How the credentials were posted: without the login form, or how soon after it
-- level: medium
-- status: test
-- tags: attack.credential_access attack.t1110.004
-- reads: evidence span_attempts
-- description: Scripts that POST the login form directly (65% of stuffing
--   traffic is plain HTTP with no browser emulation, F5 2023), tools that
--   load it and submit within a second, and everything in between: the
--   seconds from loading the form to posting it, in bands. Measured against
--   the same kind of attempt outside the window, a band counts only when the
--   campaign uses it more than real users do.
-- false positives: Password managers fill and submit in about a second but
--   load the form first; a back button posts a cached form.
-- references: F5 Labs, 2023 Identity Threat Report; Warehouse login flow

INSERT INTO evidence
SELECT attempt_id, 'bot-speed', 'form',
       CASE WHEN form_gap IS NULL THEN 'form not loaded'
            WHEN form_gap < 1 THEN 'posted within 1 s'
            WHEN form_gap < 3 THEN 'posted after 1-3 s'
            WHEN form_gap < 10 THEN 'posted after 3-10 s'
            ELSE 'posted after 10 s or more' END,
       CASE WHEN in_window THEN
           CASE WHEN form_gap IS NULL THEN format('{} posted credentials without loading the login form', client)
                ELSE format('{} posted credentials {:.1f} s after loading the login form', client, form_gap) END
       END
FROM span_attempts
WHERE logged;
