-- The transactional outbox (platform/outbox), shared by every service that
-- sends mail: a service writes a message in the same transaction as the
-- change that calls for it, and a retried job delivers it afterwards. So a
-- rolled-back change sends nothing, and a committed one is sent even if the
-- service stops right after the commit. The platform owns this schema, not
-- any one service; each row says which service wrote it, and each service
-- delivers only its own. tenant_id leads every key.

-- requires: accounts

-- +goose Up
CREATE SCHEMA outbox;
GRANT USAGE ON SCHEMA outbox TO steward_app;

CREATE TABLE outbox.messages (
  tenant_id         uuid NOT NULL CONSTRAINT messages_tenant_id_fkey REFERENCES accounts.tenants (tenant_id),
  message_id        uuid NOT NULL,
  service           text NOT NULL CONSTRAINT messages_service_check CHECK (service ~ '^[a-z][a-z0-9]{0,39}$'),
  -- What the message is about, per recipient ("task/<id>/<occurrence>/due/<user>"):
  -- a second message with the same key is never written, so the same
  -- reminder is sent at most once however often the job that writes it runs.
  dedupe_key        text NOT NULL CONSTRAINT messages_dedupe_key_check CHECK (length(dedupe_key) BETWEEN 1 AND 500),
  recipient         text NOT NULL CONSTRAINT messages_recipient_check CHECK (length(recipient) BETWEEN 3 AND 320 AND recipient !~ '[\r\n]'),
  subject           text NOT NULL CONSTRAINT messages_subject_check CHECK (length(subject) BETWEEN 1 AND 500 AND subject !~ '[\r\n]'),
  text_body         text NOT NULL CONSTRAINT messages_text_body_check CHECK (octet_length(text_body) <= 1048576),
  html_body         text NOT NULL DEFAULT '' CONSTRAINT messages_html_body_check CHECK (octet_length(html_body) <= 1048576),
  state             text NOT NULL DEFAULT 'pending' CONSTRAINT messages_state_check CHECK (state IN ('pending', 'sent')),
  -- Each delivery attempt is counted in a transaction committed before the
  -- message is handed to SMTP, so a crash after the send still shows it.
  attempts          integer NOT NULL DEFAULT 0 CONSTRAINT messages_attempts_check CHECK (attempts >= 0),
  last_attempt_time timestamptz,
  last_error        text NOT NULL DEFAULT '' CONSTRAINT messages_last_error_check CHECK (length(last_error) <= 2000),
  sent_time         timestamptz,
  create_time       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT messages_pkey PRIMARY KEY (tenant_id, message_id),
  CONSTRAINT messages_tenant_id_dedupe_key_key UNIQUE (tenant_id, dedupe_key),
  CONSTRAINT messages_sent_check CHECK ((state = 'sent') = (sent_time IS NOT NULL))
);
CREATE INDEX messages_pending_idx ON outbox.messages (tenant_id, service, create_time) WHERE state = 'pending';

-- A message's files (an invoice's PDF), in the order they are attached.
-- Bounded here per file and by platform/outbox per message.
CREATE TABLE outbox.attachments (
  tenant_id    uuid NOT NULL,
  message_id   uuid NOT NULL,
  position     integer NOT NULL CONSTRAINT attachments_position_check CHECK (position BETWEEN 0 AND 9),
  filename     text NOT NULL CONSTRAINT attachments_filename_check CHECK (length(filename) BETWEEN 1 AND 255 AND filename !~ '[\r\n"/\\]'),
  content_type text NOT NULL CONSTRAINT attachments_content_type_check CHECK (content_type ~ '^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$'),
  content      bytea NOT NULL CONSTRAINT attachments_content_check CHECK (octet_length(content) <= 10485760),
  CONSTRAINT attachments_pkey PRIMARY KEY (tenant_id, message_id, position),
  CONSTRAINT attachments_tenant_id_message_id_fkey FOREIGN KEY (tenant_id, message_id)
    REFERENCES outbox.messages (tenant_id, message_id) ON DELETE CASCADE
);

GRANT SELECT, INSERT, UPDATE, DELETE ON outbox.messages, outbox.attachments TO steward_app;

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['messages', 'attachments'] LOOP
    EXECUTE format('ALTER TABLE outbox.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE outbox.%I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON outbox.%I
      USING (tenant_id = accounts.current_tenant_id())
      WITH CHECK (tenant_id = accounts.current_tenant_id())', t);
  END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP TABLE outbox.attachments;
DROP TABLE outbox.messages;
DROP SCHEMA outbox;
