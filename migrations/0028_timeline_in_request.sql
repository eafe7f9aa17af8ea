-- A request's timeline moves into the request's own row (issue 13, storage): a row of its
-- own for every entry held three 36-character ids (the entry's, the request's, the actor's,
-- which nothing read) and an index entry with two of them again, about 0.9 KB a request.
-- Kept in the row, an entry costs its words and a few bytes of framing, and the row is being
-- written in the same transaction anyway.
--
-- Each entry is `<at> <kind> <n>:<text>`, where n is the text's length in characters
-- (`length()` counts characters on both databases), so the text needs no escaping; see
-- `store::requests::timeline`. Entries keep their order (time, then id, as they were read).
-- `string_agg(… ORDER BY …)` is PostgreSQL's and SQLite's since 3.44 (the bundled one is 3.46).
ALTER TABLE access_package_requests ADD COLUMN timeline TEXT NOT NULL DEFAULT '';

UPDATE access_package_requests SET timeline = (
    SELECT string_agg(
        CAST(e.at AS TEXT) || ' ' || e.kind || ' ' || CAST(length(e.text) AS TEXT) || ':' || e.text,
        '' ORDER BY e.at, e.id)
    FROM request_events e WHERE e.request_id = access_package_requests.id)
WHERE id IN (SELECT request_id FROM request_events);

-- The moved entries leave the old table, which stays (empty) for an instance of the version
-- before, still running beside an upgraded one on PostgreSQL: it goes on writing its entries
-- there, and a later migration moves what it wrote and drops the table (docs/OPERATIONS.md,
-- "Upgrading").
DELETE FROM request_events;
