-- Issue 22: a device event is processed once by its own row. The replay key (the device's event id, or the
-- signature of an event without one) is unique per device on the accepted event's row, so that claiming
-- the key and storing the event are one statement, in the transaction that opens or joins the case (an
-- error rolls both back: the device's retry is processed then). device_event_keys is no longer written.
ALTER TABLE device_events ADD COLUMN replay_key TEXT;
UPDATE device_events SET replay_key = CASE WHEN event_id IS NOT NULL AND event_id <> '' THEN 'id:' || event_id
    ELSE LOWER(signature) END WHERE accepted = 1;
CREATE UNIQUE INDEX device_events_once ON device_events(device_id, replay_key);
