// The embedded hub's default ports, apart from hub.ts so that `hermes-chat hub --help` can name
// them without loading aedes, PGlite and the ingester (issue 12: start-up time). May import nothing.

/** Default MQTT port of the hub: not 1883, so it never collides with a local Mosquitto. */
export const DEFAULT_HUB_MQTT_PORT = 11883;
/** Default Postgres port of the hub: not 5432, so it never collides with a local PostgreSQL. */
export const DEFAULT_HUB_PG_PORT = 15432;
