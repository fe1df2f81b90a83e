-- The incident window the run used and the scan's scores.
SELECT window_from, window_to, source, score, min_score, candidate_score FROM analysis_window;
