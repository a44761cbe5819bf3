// Resolves where the broker and database are, from flags and environment variables.
// Pure except for reading `env`; may import env-paths, protocol/ and live/broker-urls (pure).
import envPaths from 'env-paths';
import {parseBrokerList} from '../live/broker-urls.js';
// topics.js, not index.js: every command resolves its config, and index.js loads zod (issue 12).
import {DEFAULT_TOPIC_BASE} from '../protocol/topics.js';

/** Where hermes-chat finds its services. An `undefined` URL means "not configured". */
export interface ServiceConfig {
	/**
	 * `mqtt://[user:password@]host:port`, or several broker URLs of one cluster separated by
	 * commas (`mqtt://a:1883,mqtt://b:1883`), failed over between (live/connect.ts).
	 */
	mqttUrl?: string;
	/** `postgres://user:password@host:port/database`. */
	databaseUrl?: string;
	/** Base topic (`MQTT_TOPIC`, default `chat/messages`). */
	topicBase: string;
}

/** Flags that override the environment (commander camel-cases `--mqtt-url` to `mqttUrl`). */
export interface ServiceFlags {
	mqttUrl?: string;
	databaseUrl?: string;
	topic?: string;
}

type Env = Record<string, string | undefined>;

/**
 * Resolve the broker and database from flags, then the environment:
 * - MQTT: `--mqtt-url` > `MQTT_URL` > `MQTT_BROKER_HOST` (+ `MQTT_BROKER_PORT`, default 1883,
 *   optional `MQTT_USERNAME` / `MQTT_PASSWORD`), as in the Hermes source system;
 * - Postgres: `--database-url` > `DATABASE_URL` > `POSTGRES_HOST` (+ `POSTGRES_PORT` 5432,
 *   `POSTGRES_DB`, `POSTGRES_USER`, `POSTGRES_PASSWORD`);
 * - topic base: `--topic` > `MQTT_TOPIC` > `chat/messages`.
 * Never throws; URLs are validated where they are used.
 */
export function resolveServiceConfig(flags: ServiceFlags, env: Env = process.env): ServiceConfig {
	return {
		mqttUrl: nonEmpty(flags.mqttUrl) ?? nonEmpty(env.MQTT_URL) ?? mqttFromParts(env),
		databaseUrl: nonEmpty(flags.databaseUrl) ?? nonEmpty(env.DATABASE_URL) ?? postgresFromParts(env),
		topicBase: trimSlashes(nonEmpty(flags.topic) ?? nonEmpty(env.MQTT_TOPIC) ?? DEFAULT_TOPIC_BASE),
	};
}

/** The hint shown with a malformed `MQTT_URL` / `--mqtt-url`. */
export const MQTT_URL_HINT = 'MQTT_URL (--mqtt-url) is one broker URL or a comma-separated list of them, e.g. mqtt://a:1883,mqtt://b:1883';

/**
 * Why `config.mqttUrl` cannot be used, as one line naming the bad entry (live/broker-urls.ts
 * parseBrokerList), or undefined when it is absent or well formed.
 */
export function mqttUrlProblem(config: ServiceConfig): string | undefined {
	if (config.mqttUrl === undefined) return undefined;
	try {
		parseBrokerList(config.mqttUrl);
		return undefined;
	} catch (error) {
		return (error as Error).message;
	}
}

/** Whether neither service is configured, so the embedded hub should be used. */
export function isEmbedded(config: ServiceConfig): boolean {
	return config.mqttUrl === undefined && config.databaseUrl === undefined;
}

/**
 * The data directory for the embedded hub, logs and state: `HERMES_HOME`, else the
 * platform's data dir for `hermes-chat` (e.g. `~/.local/share/hermes-chat` on Linux).
 */
export function hermesHome(env: Env = process.env): string {
	return nonEmpty(env.HERMES_HOME) ?? envPaths('hermes-chat', {suffix: ''}).data;
}

function mqttFromParts(env: Env): string | undefined {
	const host = nonEmpty(env.MQTT_BROKER_HOST);
	if (!host) return undefined;
	const url = new URL(`mqtt://${host}:${nonEmpty(env.MQTT_BROKER_PORT) ?? '1883'}`);
	if (env.MQTT_USERNAME) url.username = env.MQTT_USERNAME;
	if (env.MQTT_PASSWORD) url.password = env.MQTT_PASSWORD;
	return url.toString().replace(/\/$/, '');
}

function postgresFromParts(env: Env): string | undefined {
	const host = nonEmpty(env.POSTGRES_HOST);
	if (!host) return undefined;
	const url = new URL(`postgres://${host}:${nonEmpty(env.POSTGRES_PORT) ?? '5432'}`);
	url.pathname = `/${nonEmpty(env.POSTGRES_DB) ?? 'postgres'}`;
	if (env.POSTGRES_USER) url.username = env.POSTGRES_USER;
	if (env.POSTGRES_PASSWORD) url.password = env.POSTGRES_PASSWORD;
	return url.toString();
}

function nonEmpty(value: string | undefined): string | undefined {
	const trimmed = value?.trim();
	return trimmed ? trimmed : undefined;
}

function trimSlashes(topic: string): string {
	return topic.replace(/^\/+|\/+$/g, '');
}
