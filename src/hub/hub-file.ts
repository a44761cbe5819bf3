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
	mqtt_url: z.string().optional(),
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
	await mkdir(home, {recursive: true});
	const temporary = `${hubFilePath(home)}.${process.pid}.tmp`;
	await writeFile(temporary, `${JSON.stringify(record, null, '\t')}\n`);
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

/** Whether a ready record's MQTT and Postgres ports both answer. */
export async function hubAnswers(record: HubRecord): Promise<boolean> {
	if (record.state !== 'ready' || record.mqtt_port === undefined || record.pg_port === undefined) return false;
	const [mqtt, pg] = await Promise.all([portAnswers(record.mqtt_port), portAnswers(record.pg_port)]);
	return mqtt && pg;
}
