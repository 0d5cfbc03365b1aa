-- Search keys are read within the searcher's street. A street administrator sees about a tenth of a district,
-- and the keys were indexed district-wide: a common key (a surname's initials, an estate, a birth year in the
-- ID number) was walked through other streets' people and filtered row by row, which made the search's p99.

-- ID grams carry the person's street; the registry keeps it equal to the person's street on every write and
-- move (persons::write_grams, persons::follow_street).
CREATE TABLE person_id_grams_by_street (
    gram TEXT {{C}} NOT NULL,
    street_id BIGINT NOT NULL,
    person_id BIGINT NOT NULL,
    PRIMARY KEY (gram, street_id, person_id)
) {{WITHOUT_ROWID}};
INSERT INTO person_id_grams_by_street (gram, street_id, person_id)
    SELECT g.gram, p.street_id, g.person_id FROM person_id_grams g JOIN persons p ON p.id = g.person_id
    ORDER BY 1, 2, 3;
DROP TABLE person_id_grams;
ALTER TABLE person_id_grams_by_street RENAME TO person_id_grams;
CREATE INDEX person_id_grams_person ON person_id_grams(person_id);

-- The other search keys: the same index led by the street and ending with the id, so that a page of results
-- (ORDER BY key, id) is read in index order and stops after its rows (only search reads these).
DROP INDEX persons_name;
DROP INDEX persons_pinyin;
DROP INDEX persons_initials;
DROP INDEX persons_phone_rev;
DROP INDEX persons_residence;
CREATE INDEX persons_street_name ON persons(street_id, name, id);
CREATE INDEX persons_street_pinyin ON persons(street_id, name_pinyin, id);
CREATE INDEX persons_street_initials ON persons(street_id, name_initials, id);
CREATE INDEX persons_street_phone_rev ON persons(street_id, phone_rev, id);
CREATE INDEX persons_street_residence ON persons(street_id, residence_address, id);

-- The dashboard's population (live residents of a street) is counted from the index alone.
CREATE INDEX persons_street_status ON persons(street_id, status, archived);
