-- Webhooks (issue 16): an administrator's HTTPS endpoint told about lifecycle events (request
-- created, approved, denied; access granted, removed, expiring; review completed).
--
-- * webhooks: the endpoint, the events it hears (their codes, space-separated), optionally
--   one catalog whose packages' events only it hears, and its signing secret sealed with the
--   key from the environment (TESSERA_SECRET_KEY or TESSERA_SECRET_KEY_FILE). The secret is
--   shown once, when made; it is never shown again nor logged.
-- * webhook_deliveries: the outbox. Written in the same transaction as the event, with the
--   JSON body as it was then; claimed by the delivery job (claimed_until), POSTed signed
--   (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature), and settled:
--   delivered on a 2xx answer, else retried with backoff (1, 2, 4 … minutes, at most 6 h, 12
--   attempts), then failed with next_attempt_at NULL until an administrator reprocesses it.
--   Delivered rows are kept 30 days.
CREATE TABLE webhooks (
    id         TEXT   NOT NULL,
    name       TEXT   NOT NULL,
    name_key   TEXT   NOT NULL,
    url        TEXT   NOT NULL,
    events     TEXT   NOT NULL,
    catalog_id TEXT,
    secret     TEXT   NOT NULL,
    enabled    BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT webhooks_pkey PRIMARY KEY (id),
    CONSTRAINT webhooks_name_key UNIQUE (name_key),
    CONSTRAINT webhooks_catalog_fkey FOREIGN KEY (catalog_id) REFERENCES catalogs (id) ON DELETE CASCADE,
    CONSTRAINT webhooks_enabled_check CHECK (enabled IN (0, 1))
);

CREATE TABLE webhook_deliveries (
    id              TEXT   NOT NULL,
    webhook_id      TEXT   NOT NULL,
    event           TEXT   NOT NULL,
    body            TEXT   NOT NULL,
    state           TEXT   NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT,
    claimed_until   BIGINT,
    status          BIGINT,
    response        TEXT   NOT NULL DEFAULT '',
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    delivered_at    BIGINT,
    CONSTRAINT webhook_deliveries_pkey PRIMARY KEY (id),
    CONSTRAINT webhook_deliveries_webhook_fkey FOREIGN KEY (webhook_id) REFERENCES webhooks (id) ON DELETE CASCADE,
    CONSTRAINT webhook_deliveries_state_check CHECK (state IN ('pending', 'delivered', 'failed'))
);
-- What the delivery job takes next: undelivered rows by when they are due.
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE state <> 'delivered';
-- A webhook's page (newest first) and the pruning of old delivered rows.
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, created_at);
CREATE INDEX webhook_deliveries_delivered_idx ON webhook_deliveries (delivered_at) WHERE state = 'delivered';
