-- A patrol log recorded offline on a phone is queued there and sent when the network is back, perhaps more
-- than once: like a visit or a hazard it carries the key the phone made; a second arrival returns the log.
ALTER TABLE patrol_logs ADD COLUMN client_key TEXT;
CREATE UNIQUE INDEX patrol_logs_client_key ON patrol_logs(client_key);
