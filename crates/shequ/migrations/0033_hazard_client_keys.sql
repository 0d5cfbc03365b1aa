-- A hazard recorded offline on a phone is queued there and sent when the network is back, perhaps more than
-- once: like a visit, it carries the key the phone made, and a second arrival returns the hazard recorded.
ALTER TABLE hazards ADD COLUMN client_key TEXT;
CREATE UNIQUE INDEX hazards_client_key ON hazards(client_key);
