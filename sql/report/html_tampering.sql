-- report.html, tampering section: the first $1 events of the tampering
-- check (report_tampering, which LoadSummary made), those from an address of
-- the account's suspicious logins first, then by time; with how many there
-- are in all.
SELECT count(*) OVER () AS total, time_utc, user_id, coalesce(username, ''), classification, event_table, tag,
       coalesce(project, ''), coalesce(version, ''), coalesce(filename, ''), coalesce(ip, ''),
       coalesce(from_suspicious_ip, false), first_suspicious_utc
FROM report_tampering
ORDER BY from_suspicious_ip DESC NULLS LAST, time_utc, event_table, event_id
LIMIT $1;
