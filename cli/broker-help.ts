export const BROKER_HELP = `Usage: mimamori broker

Runs the MQTT broker and its in-process ingest alone (no alerts, no dashboard), with
/healthz, /readyz and /metrics on HTTP_PORT.

  alone        DATA_DIR as for \`mimamori start\` (DuckDB file, session journal); do not run it
               beside \`mimamori start\` on the same DATA_DIR.
  scale-out    REDIS_URL=redis://…       sessions, retained messages and the message bus shared
               DATABASE_URL=postgres://… devices, gateways, MQTT ACL, dead letters shared
               STORE=influx INFLUX_URL=… readings in the external TSDB
               MIMAMORI_SECRET_KEY=…     the same in every broker and for the CLI
               Run as many as you like behind a TCP load balancer; see docs/broker.md.
`
