-- A hazard recorded on a phone at discovery: where the worker stood (the phone's location, when shared) —
-- its photo is an attachment like any other (purpose 'photo').
ALTER TABLE hazards ADD COLUMN found_lat DOUBLE PRECISION;
ALTER TABLE hazards ADD COLUMN found_lng DOUBLE PRECISION;
