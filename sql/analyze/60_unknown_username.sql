-- id: unknown-username
-- kind: heuristic
-- title: Failed login POSTs that match no account event: usernames that do not exist
-- catches: Warehouse records no event for a login with a username it does
--   not know, so a failed login POST in the access log that no login event
--   explains is an attempt on a name that is not an account: the mark of a
--   credential list from another site. Each such attempt in the window is a
--   campaign attempt.
-- false positives: A mistyped name its user never corrected (the corrected
--   ones, followed within attempts.typo_window_s by a login from the same
--   client and browser, are told apart by stage attempts); requests refused before the
--   password check (CSRF, banned address). They are few and spread out, and
--   join a campaign only through a hostile fingerprint or a shared address.
-- references: Field notes: "many usernames that don't exist at all (a failed login POST with no matching account event)"

INSERT INTO findings
SELECT 'unknown-username', 'attempt', attempt_id, NULL, client, time, 0,
       format('login POST from {} answered {:d} with no login event: a username with no account', client, status)
FROM window_attempts
WHERE outcome = 'unknown_user';
