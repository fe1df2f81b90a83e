-- freezeframe case schema, version 4: every run's verdict and the coverage
-- it was judged on (stages coverage and verdict of the analysis).

ALTER TABLE analysis_runs ADD COLUMN verdict VARCHAR;        -- attack | anomaly | no anomaly | inconclusive

ALTER TABLE analysis_runs ADD COLUMN verdict_reason VARCHAR; -- why, in a sentence

ALTER TABLE analysis_runs ADD COLUMN coverage JSON;          -- the row of table coverage: sources, spans, pairing, baseline, not checked
