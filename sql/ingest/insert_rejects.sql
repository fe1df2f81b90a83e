-- Copies the rejected lines of one round into the case ($1: batch handle).
INSERT INTO rejects SELECT *, NULL FROM ff_rejects_batch($1);
