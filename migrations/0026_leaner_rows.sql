-- Fewer bytes a request (issue 13, storage): two indexes that repeated what another already
-- held.
--
-- A request's timeline was a table keyed by its event's id, with a second index on
-- (request_id, at, id) for reading it; nothing ever looks an event up by its id. Keyed by
-- (request_id, at, id) itself, the timeline keeps one index, not two.
CREATE TABLE request_events_v3 (
    id         TEXT   NOT NULL,
    request_id TEXT   NOT NULL,
    at         BIGINT NOT NULL,
    kind       TEXT   NOT NULL,
    actor_id   TEXT,
    text       TEXT   NOT NULL,
    CONSTRAINT request_events_v3_pkey PRIMARY KEY (request_id, at, id),
    CONSTRAINT request_events_v3_request_fkey FOREIGN KEY (request_id) REFERENCES access_package_requests (id) ON DELETE CASCADE
);
INSERT INTO request_events_v3 (id, request_id, at, kind, actor_id, text)
    SELECT id, request_id, at, kind, actor_id, text FROM request_events;
DROP TABLE request_events;
ALTER TABLE request_events_v3 RENAME TO request_events;

-- The unread count and "mark all read" look for a person's unread notifications only: the
-- index holds those (a notification leaves it once read), not every notification with its
-- read time.
DROP INDEX notifications_unread_idx;
CREATE INDEX notifications_unread_idx ON notifications (user_id) WHERE read_at IS NULL;
