// Benchmark plumbing for the stand-alone bench scripts: fresh databases on the shared services,
// service probes, percentiles. (`npm run bench` starts its own services: bench/run.ts.)
// Benchmarks are tools, not product code: they may import mqtt and pg directly.
import {randomUUID} from 'node:crypto';
import mqtt from 'mqtt';
import pg from 'pg';

/** Where the benchmarks run (env like the tests). */
export const PG_ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const MQTT_URL = process.env.TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';

/** A database made for one benchmark run. */
export interface BenchDatabase {
	url: string;
	drop(): Promise<void>;
}

async function admin(sql: string): Promise<void> {
	const client = new pg.Client({connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3_000});
	client.on('error', () => undefined);
	await client.connect();
	try {
		await client.query(sql);
	} finally {
		await client.end();
	}
}

/** Create an empty `hermes_bench_<random>` database. */
export async function createDatabase(): Promise<BenchDatabase> {
	const name = `hermes_bench_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
	await admin(`CREATE DATABASE ${name}`);
	const url = new URL(PG_ADMIN_URL);
	url.pathname = `/${name}`;
	return {url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)};
}

/** Why the services cannot be used, or undefined when both answer. */
export async function servicesProblem(): Promise<string | undefined> {
	try {
		await admin('SELECT 1');
	} catch (error) {
		return `PostgreSQL unreachable at ${PG_ADMIN_URL}: ${(error as Error).message}`;
	}
	const client = mqtt.connect(MQTT_URL, {reconnectPeriod: 0, connectTimeout: 2_000});
	const ok = await new Promise<boolean>((resolve) => {
		client.once('connect', () => resolve(true));
		client.once('error', () => resolve(false));
		client.once('close', () => resolve(false));
	});
	client.end(true);
	return ok ? undefined : `MQTT broker unreachable at ${MQTT_URL}`;
}

/** Percentile `p` (0–100) of `values` (sorted copy; nearest rank). */
export function percentile(values: readonly number[], p: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
	return sorted[rank] ?? Number.NaN;
}

/** Round to `digits` decimals. */
export const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
