-- Field work made offline on a phone is queued there and sent when the network is back, perhaps more than
-- once (a lost answer, a page closed mid-send). Each queued visit carries a key the phone made; a second
-- arrival with the same key returns the visit already recorded instead of recording it again.
ALTER TABLE visits ADD COLUMN client_key TEXT;
CREATE UNIQUE INDEX visits_client_key ON visits(client_key);
