-- What the run was judged on (stage coverage), as one JSON object.
SELECT to_json(c)::VARCHAR FROM coverage c;
