-- 评比: selections of a community (文明家庭, 星级文明户, 好媳妇/好婆婆, 优秀志愿者) for households or persons;
-- nominations by the committee or by verified residents on the portal, reviewed (accepted or refused with a
-- reason); an optional public vote (a governance vote over the accepted nominees); the announcement on the
-- public board (names masked); the honours recorded on the household or person. Records keep their place.
CREATE TABLE selections (
    id {{PK}},
    number TEXT NOT NULL UNIQUE,
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT,
    building_id BIGINT,
    title TEXT NOT NULL,
    -- household / person
    subject TEXT NOT NULL,
    period TEXT NOT NULL,
    places BIGINT NOT NULL,
    -- nominating / voting / announced
    state TEXT NOT NULL,
    vote_id BIGINT REFERENCES votes(id),
    announced_at TEXT,
    created_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX selections_community ON selections(community_id, created_at);

CREATE TABLE selection_nominees (
    id {{PK}},
    selection_id BIGINT NOT NULL REFERENCES selections(id),
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT,
    building_id BIGINT,
    household_id BIGINT REFERENCES households(id),
    person_id BIGINT REFERENCES persons(id),
    reason TEXT NOT NULL,
    -- committee / portal
    source TEXT NOT NULL,
    nominated_by BIGINT REFERENCES users(id),
    -- nominated / accepted / refused / selected
    state TEXT NOT NULL,
    review_reason TEXT,
    -- The option of the nominee in the selection's vote.
    vote_idx BIGINT,
    created_at TEXT NOT NULL,
    reviewed_at TEXT,
    UNIQUE (selection_id, household_id),
    UNIQUE (selection_id, person_id)
);
CREATE INDEX selection_nominees_selection ON selection_nominees(selection_id);

-- 荣誉: what a household or person was awarded (shown on their page).
CREATE TABLE honours (
    id {{PK}},
    street_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT,
    building_id BIGINT,
    selection_id BIGINT NOT NULL REFERENCES selections(id),
    household_id BIGINT REFERENCES households(id),
    person_id BIGINT REFERENCES persons(id),
    title TEXT NOT NULL,
    period TEXT NOT NULL,
    awarded_on TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX honours_household ON honours(household_id);
CREATE INDEX honours_person ON honours(person_id);
