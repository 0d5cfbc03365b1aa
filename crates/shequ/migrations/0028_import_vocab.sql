-- A street's own import synonyms, beside the shipped ones (imports/vocab.txt): "字段 · 标准值 ← 同义词" as the
-- street administrator adds them on /import/vocab, read by every import of the street.
CREATE TABLE import_vocab (
    id {{PK}},
    street_id BIGINT NOT NULL,
    label TEXT NOT NULL,
    standard TEXT NOT NULL,
    synonym TEXT NOT NULL,
    created_by BIGINT,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX import_vocab_key ON import_vocab(street_id, label, synonym);
