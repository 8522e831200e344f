/**
 * The PostgreSQL schema of the shared metadata (scale-out): registry, MQTT ACL, dead letters and
 * image metadata. Every statement is idempotent; `openPostgres` runs them under an advisory lock so
 * several brokers starting at once do not race on CREATE.
 */

/** NOTIFY channel: `{"table":"devices"|"gateways","id":…}` per changed row, `{"table":"acl"}` per ACL change. */
export const REGISTRY_CHANNEL = 'mimamori_registry'

/** Any value: only serializes schema creation between processes (pg_advisory_xact_lock). */
export const SCHEMA_LOCK_KEY = 0x6d696d61

export const SCHEMA: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS devices (
     id TEXT PRIMARY KEY,
     kind TEXT NOT NULL,
     site TEXT,
     secret_hash TEXT NOT NULL,
     created_at TIMESTAMPTZ NOT NULL,
     revoked_at TIMESTAMPTZ,
     lat DOUBLE PRECISION,
     lon DOUBLE PRECISION,
     gateway_id TEXT,
     gateway_secret_hash TEXT
   )`,
  `CREATE TABLE IF NOT EXISTS gateways (
     id TEXT PRIMARY KEY,
     secret_hash TEXT NOT NULL,
     created_at TIMESTAMPTZ NOT NULL,
     revoked_at TIMESTAMPTZ
   )`,
  // the MQTT ACL, equivalent to MQTT_ACL_FILE (broker/acl-file.ts): one row per service user
  `CREATE TABLE IF NOT EXISTS mqtt_acl_users (
     username TEXT PRIMARY KEY,
     password_hash TEXT NOT NULL,
     role TEXT,
     rules JSONB NOT NULL DEFAULT '[]'::jsonb
   )`,
  // at most one row: the rules of anonymous clients (no row: the built-in default)
  `CREATE TABLE IF NOT EXISTS mqtt_acl_anonymous (
     singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
     rules JSONB NOT NULL
   )`,
  `CREATE TABLE IF NOT EXISTS dead_letters (
     id BIGSERIAL PRIMARY KEY,
     received_at TIMESTAMPTZ NOT NULL,
     device_id TEXT,
     topic TEXT NOT NULL,
     reason TEXT NOT NULL,
     detail TEXT NOT NULL,
     payload BYTEA NOT NULL
   )`,
  'CREATE INDEX IF NOT EXISTS dead_letters_received_at ON dead_letters (received_at)',
  `CREATE TABLE IF NOT EXISTS images (
     device_id TEXT NOT NULL,
     capture_ts TIMESTAMPTZ NOT NULL,
     received_at TIMESTAMPTZ NOT NULL,
     bytes BIGINT NOT NULL,
     sha256 TEXT NOT NULL,
     PRIMARY KEY (device_id, capture_ts)
   )`,
  // Triggers, not application code, announce changes: a row changed by the CLI, by another broker
  // or by an operator's SQL reaches every broker's in-memory directory alike.
  `CREATE OR REPLACE FUNCTION mimamori_notify_registry() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     IF TG_OP IN ('UPDATE', 'DELETE') THEN
       PERFORM pg_notify('${REGISTRY_CHANNEL}', json_build_object('table', TG_TABLE_NAME, 'id', OLD.id)::text);
     END IF;
     IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.id IS DISTINCT FROM OLD.id) THEN
       PERFORM pg_notify('${REGISTRY_CHANNEL}', json_build_object('table', TG_TABLE_NAME, 'id', NEW.id)::text);
     END IF;
     RETURN NULL;
   END $$`,
  `CREATE OR REPLACE FUNCTION mimamori_notify_acl() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     PERFORM pg_notify('${REGISTRY_CHANNEL}', json_build_object('table', 'acl')::text);
     RETURN NULL;
   END $$`,
  `CREATE OR REPLACE TRIGGER devices_notify AFTER INSERT OR UPDATE OR DELETE ON devices
     FOR EACH ROW EXECUTE FUNCTION mimamori_notify_registry()`,
  `CREATE OR REPLACE TRIGGER gateways_notify AFTER INSERT OR UPDATE OR DELETE ON gateways
     FOR EACH ROW EXECUTE FUNCTION mimamori_notify_registry()`,
  `CREATE OR REPLACE TRIGGER mqtt_acl_users_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON mqtt_acl_users
     FOR EACH STATEMENT EXECUTE FUNCTION mimamori_notify_acl()`,
  `CREATE OR REPLACE TRIGGER mqtt_acl_anonymous_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON mqtt_acl_anonymous
     FOR EACH STATEMENT EXECUTE FUNCTION mimamori_notify_acl()`,
]
