-- Who answered a survey, for the cross-tabs by sex and age band: the respondent person (a resident on the
-- portal, the household member a worker chose at the door), and their sex and age in whole years when they
-- answered — copied so that a later birthday or a corrected record does not move an old answer between bands.
-- A paper form without a person may give sex and age as written on the form.
ALTER TABLE survey_responses ADD COLUMN person_id BIGINT REFERENCES persons(id);
ALTER TABLE survey_responses ADD COLUMN sex TEXT;
ALTER TABLE survey_responses ADD COLUMN age BIGINT;
