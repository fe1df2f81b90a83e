-- report.html, methodology section: the parameters the reported analysis
-- run ($1) used, every one with its value, as recorded (JSON object keyed
-- "step.parameter"), and how the window was found.
SELECT r.parameters::VARCHAR, r.window_source, coalesce(r.previous_list, ''), coalesce(r.previous_sha256, ''),
       w.score, w.min_score, w.candidate_score
FROM analysis_runs r, analysis_window w
WHERE r.run_id = $1;
