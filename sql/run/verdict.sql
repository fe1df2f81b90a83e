-- The run's verdict: what, why, what next, the hours and signals behind it.
SELECT verdict, reason, next_step, hours_from, hours_to, signals FROM analysis_verdict;
