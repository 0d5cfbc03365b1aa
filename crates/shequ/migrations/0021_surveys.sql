-- Surveys (问卷调查): a questionnaire of a community with questions (single / multiple choice, scale, number,
-- text; required or not; shown only when an earlier single-choice answer is given — skip logic), a sample of
-- households drawn when it opens (all, a grid, a reproducible random N with its seed, a special group), and
-- responses — one per household (portal or at the door), or on paper without one.
CREATE TABLE surveys (
    id {{PK}},
    number TEXT NOT NULL UNIQUE,
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    -- Always NULL: community records (the common scope condition applies; grid scopes see none).
    grid_id BIGINT,
    building_id BIGINT,
    title TEXT NOT NULL,
    intro TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    sample_kind TEXT NOT NULL,
    sample_grid_id BIGINT REFERENCES nodes(id),
    sample_tag TEXT,
    sample_size BIGINT,
    sample_seed BIGINT,
    created_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL,
    opened_at TEXT,
    closed_at TEXT
);
CREATE INDEX surveys_community ON surveys(community_id, created_at);

CREATE TABLE survey_questions (
    id {{PK}},
    survey_id BIGINT NOT NULL REFERENCES surveys(id),
    idx BIGINT NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    required BIGINT NOT NULL DEFAULT 0,
    options TEXT NOT NULL DEFAULT '[]',
    scale_max BIGINT,
    show_if_idx BIGINT,
    show_if_option TEXT,
    UNIQUE (survey_id, idx)
);

CREATE TABLE survey_sample (
    survey_id BIGINT NOT NULL REFERENCES surveys(id),
    household_id BIGINT NOT NULL REFERENCES households(id),
    PRIMARY KEY (survey_id, household_id)
);

CREATE TABLE survey_responses (
    id {{PK}},
    survey_id BIGINT NOT NULL REFERENCES surveys(id),
    -- h:<household> (one per household), or paper:<random> for a paper form without a household.
    respondent_key TEXT NOT NULL,
    household_id BIGINT REFERENCES households(id),
    channel TEXT NOT NULL,
    entered_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL,
    UNIQUE (survey_id, respondent_key)
);

CREATE TABLE survey_answers (
    response_id BIGINT NOT NULL REFERENCES survey_responses(id),
    question_id BIGINT NOT NULL REFERENCES survey_questions(id),
    value TEXT NOT NULL
);
CREATE INDEX survey_answers_question ON survey_answers(question_id);
CREATE INDEX survey_answers_response ON survey_answers(response_id);
