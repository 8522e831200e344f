/** Tables of the embedded store. Each statement is idempotent; a new column gets its own ALTER. */
export const SCHEMA_STATEMENTS = [
  `CREATE TABLE IF NOT EXISTS readings (
     device_id VARCHAR NOT NULL,
     metric VARCHAR NOT NULL,
     ts TIMESTAMPTZ NOT NULL,
     value DOUBLE NOT NULL,
     seq UINTEGER NOT NULL
   )`,
  `CREATE TABLE IF NOT EXISTS devices (
     id VARCHAR PRIMARY KEY,
     kind VARCHAR NOT NULL,
     site VARCHAR,
     secret_hash VARCHAR NOT NULL,
     created_at TIMESTAMPTZ NOT NULL,
     revoked_at TIMESTAMPTZ
   )`,
  `CREATE TABLE IF NOT EXISTS users (
     username VARCHAR PRIMARY KEY,
     password_hash VARCHAR NOT NULL,
     role VARCHAR NOT NULL,
     created_at TIMESTAMPTZ NOT NULL
   )`,
  `CREATE TABLE IF NOT EXISTS sessions (
     token_hash VARCHAR PRIMARY KEY,
     username VARCHAR NOT NULL,
     expires_at TIMESTAMPTZ NOT NULL
   )`,
  'CREATE SEQUENCE IF NOT EXISTS dead_letter_ids',
  `CREATE TABLE IF NOT EXISTS dead_letters (
     id BIGINT PRIMARY KEY DEFAULT nextval('dead_letter_ids'),
     received_at TIMESTAMPTZ NOT NULL,
     device_id VARCHAR,
     topic VARCHAR NOT NULL,
     reason VARCHAR NOT NULL,
     detail VARCHAR NOT NULL,
     payload BLOB NOT NULL
   )`,
  `CREATE TABLE IF NOT EXISTS alert_rules (
     id VARCHAR PRIMARY KEY,
     kind VARCHAR NOT NULL,
     metric VARCHAR NOT NULL,
     op VARCHAR NOT NULL,
     threshold DOUBLE NOT NULL,
     clear DOUBLE NOT NULL,
     severity VARCHAR NOT NULL,
     label VARCHAR NOT NULL,
     label_ja VARCHAR NOT NULL,
     enabled BOOLEAN NOT NULL
   )`,
  'CREATE SEQUENCE IF NOT EXISTS alert_ids',
  `CREATE TABLE IF NOT EXISTS alerts (
     id BIGINT PRIMARY KEY DEFAULT nextval('alert_ids'),
     rule_id VARCHAR NOT NULL,
     device_id VARCHAR NOT NULL,
     metric VARCHAR NOT NULL,
     severity VARCHAR NOT NULL,
     state VARCHAR NOT NULL,
     message VARCHAR NOT NULL,
     value DOUBLE NOT NULL,
     threshold DOUBLE NOT NULL,
     raised_at TIMESTAMPTZ NOT NULL,
     cleared_at TIMESTAMPTZ
   )`,
  `CREATE TABLE IF NOT EXISTS alert_events (
     alert_id BIGINT NOT NULL,
     event VARCHAR NOT NULL,
     event_at TIMESTAMPTZ NOT NULL,
     value DOUBLE NOT NULL
   )`,
  'ALTER TABLE devices ADD COLUMN IF NOT EXISTS lat DOUBLE',
  'ALTER TABLE devices ADD COLUMN IF NOT EXISTS lon DOUBLE',
  `CREATE TABLE IF NOT EXISTS images (
     device_id VARCHAR NOT NULL,
     capture_ts TIMESTAMPTZ NOT NULL,
     received_at TIMESTAMPTZ NOT NULL,
     bytes INTEGER NOT NULL,
     sha256 VARCHAR NOT NULL,
     PRIMARY KEY (device_id, capture_ts)
   )`,
  `CREATE TABLE IF NOT EXISTS readings_10m (
     device_id VARCHAR NOT NULL,
     metric VARCHAR NOT NULL,
     bucket TIMESTAMPTZ NOT NULL,
     min DOUBLE NOT NULL,
     max DOUBLE NOT NULL,
     sum DOUBLE NOT NULL,
     count BIGINT NOT NULL,
     last DOUBLE NOT NULL,
     last_ts TIMESTAMPTZ NOT NULL
   )`,
  'CREATE TABLE IF NOT EXISTS store_state (key VARCHAR PRIMARY KEY, value DOUBLE NOT NULL)',
  'ALTER TABLE devices ADD COLUMN IF NOT EXISTS gateway_id VARCHAR',
  'ALTER TABLE devices ADD COLUMN IF NOT EXISTS gateway_secret_hash VARCHAR',
  `CREATE TABLE IF NOT EXISTS gateways (
     id VARCHAR PRIMARY KEY,
     secret_hash VARCHAR NOT NULL,
     created_at TIMESTAMPTZ NOT NULL,
     revoked_at TIMESTAMPTZ
   )`,
  'ALTER TABLE users ADD COLUMN IF NOT EXISTS kinds VARCHAR',
  'ALTER TABLE users ADD COLUMN IF NOT EXISTS sites VARCHAR',
  // alerts (issue 4): quality flag on readings, rule specs, lifecycle columns, settings, contacts,
  // maintenance windows, audit log, notification dead letters
  'ALTER TABLE readings ADD COLUMN IF NOT EXISTS quality VARCHAR',
  'ALTER TABLE alert_rules ADD COLUMN IF NOT EXISTS type VARCHAR',
  'ALTER TABLE alert_rules ADD COLUMN IF NOT EXISTS spec VARCHAR',
  'ALTER TABLE alert_rules ADD COLUMN IF NOT EXISTS updated_at TIMESTAMPTZ',
  'ALTER TABLE alert_rules ADD COLUMN IF NOT EXISTS updated_by VARCHAR',
  'CREATE TABLE IF NOT EXISTS alert_defaults_seen (id VARCHAR PRIMARY KEY)',
  'ALTER TABLE alerts ADD COLUMN IF NOT EXISTS type VARCHAR',
  'ALTER TABLE alerts ADD COLUMN IF NOT EXISTS subject VARCHAR',
  'ALTER TABLE alerts ADD COLUMN IF NOT EXISTS site VARCHAR',
  'ALTER TABLE alerts ADD COLUMN IF NOT EXISTS device_kind VARCHAR',
  'ALTER TABLE alerts ADD COLUMN IF NOT EXISTS acknowledged_at TIMESTAMPTZ',
  'ALTER TABLE alerts ADD COLUMN IF NOT EXISTS acknowledged_by VARCHAR',
  'ALTER TABLE alerts ADD COLUMN IF NOT EXISTS ack_note VARCHAR',
  'ALTER TABLE alerts ADD COLUMN IF NOT EXISTS escalation_level INTEGER',
  'ALTER TABLE alerts ADD COLUMN IF NOT EXISTS historical BOOLEAN',
  'ALTER TABLE alerts ADD COLUMN IF NOT EXISTS late BOOLEAN',
  'ALTER TABLE alerts ADD COLUMN IF NOT EXISTS evidence VARCHAR',
  'ALTER TABLE alert_events ADD COLUMN IF NOT EXISTS actor VARCHAR',
  'ALTER TABLE alert_events ADD COLUMN IF NOT EXISTS note VARCHAR',
  `CREATE TABLE IF NOT EXISTS alert_settings (
     scope VARCHAR NOT NULL,
     target VARCHAR NOT NULL,
     settings VARCHAR NOT NULL,
     updated_at TIMESTAMPTZ NOT NULL,
     updated_by VARCHAR,
     PRIMARY KEY (scope, target)
   )`,
  `CREATE TABLE IF NOT EXISTS contact_groups (
     id VARCHAR PRIMARY KEY,
     spec VARCHAR NOT NULL,
     updated_at TIMESTAMPTZ NOT NULL,
     updated_by VARCHAR
   )`,
  `CREATE TABLE IF NOT EXISTS alert_subscriptions (
     username VARCHAR PRIMARY KEY,
     spec VARCHAR NOT NULL,
     updated_at TIMESTAMPTZ NOT NULL
   )`,
  'CREATE SEQUENCE IF NOT EXISTS maintenance_ids',
  `CREATE TABLE IF NOT EXISTS maintenance_windows (
     id BIGINT PRIMARY KEY DEFAULT nextval('maintenance_ids'),
     scope VARCHAR NOT NULL,
     target VARCHAR NOT NULL,
     starts_at TIMESTAMPTZ NOT NULL,
     ends_at TIMESTAMPTZ,
     reason VARCHAR NOT NULL,
     opened_by VARCHAR NOT NULL,
     opened_at TIMESTAMPTZ NOT NULL,
     closed_by VARCHAR,
     closed_at TIMESTAMPTZ
   )`,
  'CREATE SEQUENCE IF NOT EXISTS audit_ids',
  `CREATE TABLE IF NOT EXISTS audit_log (
     id BIGINT PRIMARY KEY DEFAULT nextval('audit_ids'),
     logged_at TIMESTAMPTZ NOT NULL,
     actor VARCHAR NOT NULL,
     action VARCHAR NOT NULL,
     target VARCHAR NOT NULL,
     detail VARCHAR
   )`,
  'CREATE SEQUENCE IF NOT EXISTS notification_dead_letter_ids',
  `CREATE TABLE IF NOT EXISTS notification_dead_letters (
     id BIGINT PRIMARY KEY DEFAULT nextval('notification_dead_letter_ids'),
     failed_at TIMESTAMPTZ NOT NULL,
     alert_id BIGINT NOT NULL,
     event VARCHAR NOT NULL,
     channel VARCHAR NOT NULL,
     target VARCHAR NOT NULL,
     attempts INTEGER NOT NULL,
     error VARCHAR NOT NULL,
     payload VARCHAR
   )`,
]
