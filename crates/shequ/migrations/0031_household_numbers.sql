-- 户号 is how people name a household (the visit form, the import): a new household may not take a number
-- that a live household of the street already has. The index serves that check and the look-ups by number.
CREATE INDEX households_street_number ON households(street_id, number);
