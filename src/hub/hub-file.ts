// `{home}/hub.json`: how a running (or starting) hub is found by other processes.
// May import zod and node: modules only.
import {readFile, rename, rm, writeFile, mkdir} from 'node:fs/promises';
import {connect} from 'node:net';
import {join} from 'node:path';
import {z} from 'zod';

/** The hub file as written on disk (snake_case JSON). */
const hubFileSchema = z.object({
	pid: z.number().int().positive(),
	state: z.enum(['starting', 'ready']),
	/** The start-up phase under way (see hub.ts HUB_PHASES). */
	phase: z.string(),
	/** Without credentials (the secret is in `{home}/hub-secret`). */
	mqtt_url: z.string().optional(),
	/** Without credentials. */
	database_url: z.string().optional(),
	mqtt_port: z.number().int().optional(),
	pg_port: z.number().int().optional(),
	topic_base: z.string().optional(),
	data_dir: z.string(),
	/** ISO 8601. */
	started_at: z.string(),
});

/** What `{home}/hub.json` says about a hub. */
export type HubRecord = z.infer<typeof hubFileSchema>;

/** Path of the hub file in `home`. */
export function hubFilePath(home: string): string {
	return join(home, 'hub.json');
}

/** Path of the background hub's log (stdout and stderr) in `home`. */
export function hubLogPath(home: string): string {
	return join(home, 'hub.log');
}

/**
 * Read `{home}/hub.json`.
 * @returns the record, or `undefined` when the file is missing or not a valid hub file.
 */
export async function readHubFile(home: string): Promise<HubRecord | undefined> {
	let text: string;
	try {
		text = await readFile(hubFilePath(home), 'utf8');
	} catch {
		return undefined;
	}
	try {
		const parsed = hubFileSchema.safeParse(JSON.parse(text));
		return parsed.success ? parsed.data : undefined;
	} catch {
		return undefined;
	}
}

/**
 * Write `{home}/hub.json` atomically (temporary file + rename), so readers never see half a file.
 * @throws fs errors (e.g. the folder is not writable).
 */
export async function writeHubFile(home: string, record: HubRecord): Promise<void> {
	await mkdir(home, {recursive: true, mode: 0o700});
	const temporary = `${hubFilePath(home)}.${process.pid}.tmp`;
	// 0600 like the secret: it holds no credentials, but only the hub's OS user needs it.
	await writeFile(temporary, `${JSON.stringify(record, null, '\t')}\n`, {mode: 0o600});
	await rename(temporary, hubFilePath(home));
}

/** Remove `{home}/hub.json` — only if it names `pid`, when given. Never throws. */
export async function removeHubFile(home: string, pid?: number): Promise<void> {
	if (pid !== undefined && (await readHubFile(home))?.pid !== pid) return;
	await rm(hubFilePath(home), {force: true}).catch(() => undefined);
}

/**
 * Whether something accepts TCP connections on `127.0.0.1:port` within `timeoutMs`.
 * Never throws.
 */
export function portAnswers(port: number, host = '127.0.0.1', timeoutMs = 1_000): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = connect({port, host});
		const done = (answered: boolean) => {
			socket.destroy();
			resolve(answered);
		};
		socket.setTimeout(timeoutMs, () => done(false));
		socket.once('connect', () => done(true));
		socket.once('error', () => done(false));
	});
}

/** Time a hub has to answer a probe, in ms: a wedged process still accepts TCP (the kernel does), but never replies. */
export const PROBE_TIMEOUT_MS = 3_000;

/** MQTT 3.1.1 CONNECT, clean session, keep-alive 0, client id `hermes-probe` (§3.1). */
const MQTT_CONNECT_PROBE = Buffer.from([0x10, 24, 0, 4, ...Buffer.from('MQTT'), 4, 0x02, 0, 0, 0, 12, ...Buffer.from('hermes-probe')]);
/** MQTT DISCONNECT (§3.14). */
const MQTT_DISCONNECT = Buffer.from([0xe0, 0]);
/** PostgreSQL SSLRequest: length 8, code 80877103; a server answers one byte ('N' or 'S'). */
const PG_SSL_REQUEST_PROBE = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

/**
 * Whether the process behind `host:port` replies to `probe` within `timeoutMs`: any byte back,
 * or the peer closing the connection, proves its event loop runs. Never throws.
 */
export function portReplies(port: number, probe: Uint8Array, host = '127.0.0.1', timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = connect({port, host});
		let isDone = false;
		const done = (replied: boolean) => {
			if (isDone) return;
			isDone = true;
			clearTimeout(timer);
			if (replied && probe === MQTT_CONNECT_PROBE) socket.end(MQTT_DISCONNECT);
			else socket.destroy();
			resolve(replied);
		};
		const timer = setTimeout(() => done(false), timeoutMs);
		socket.once('connect', () => socket.write(probe));
		socket.once('data', () => done(true));
		socket.once('end', () => done(true));
		socket.once('error', (error: NodeJS.ErrnoException) => done(error.code === 'ECONNRESET' || error.code === 'EPIPE'));
	});
}

/**
 * Whether a ready record's MQTT port answers a CONNECT and its Postgres port an SSLRequest,
 * each within {@link PROBE_TIMEOUT_MS}. A port that accepts but stays silent does not count.
 */
export async function hubAnswers(record: HubRecord, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> {
	if (record.state !== 'ready' || record.mqtt_port === undefined || record.pg_port === undefined) return false;
	const [mqtt, pg] = await Promise.all([
		portReplies(record.mqtt_port, MQTT_CONNECT_PROBE, '127.0.0.1', timeoutMs),
		portReplies(record.pg_port, PG_SSL_REQUEST_PROBE, '127.0.0.1', timeoutMs),
	]);
	return mqtt && pg;
}
