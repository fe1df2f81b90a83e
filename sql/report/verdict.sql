-- The latest analysis run's verdict (analysis_verdict) and the coverage it
-- was judged on (coverage), one row: for the first sentence of report.html,
-- its "What was checked" section and public/summary.json (aggregates only).
SELECT v.verdict, v.reason, v.next_step, v.hours_from, v.hours_to, v.signals,
       c.sources, c.logs_from, c.logs_to, c.requests, c.events_from, c.events_to, c.login_events,
       c.overlap_from, c.overlap_to, c.events_in_overlap, c.events_paired, c.posts_in_overlap, c.posts_paired,
       c.span_from, c.span_to, c.span_hours, c.baseline_hours, c.attempts_judged,
       c.requests_with_client, c.requests_without_ip_row,
       c.requests_out_of_bounds, c.requests_bound_from, c.requests_bound_to, c.events_out_of_bounds, c.events_bound_to,
       c.missing_tables, c.not_checked
FROM analysis_verdict v, coverage c;
