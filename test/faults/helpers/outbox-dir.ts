// What a user's outbox folder (`<outboxDir>`, one locked file per running client, see
// src/live/outbox-store.ts) holds for the next client: read with the client's own reader.
import {readdir} from 'node:fs/promises';
import {join} from 'node:path';
import lockfile from 'proper-lockfile';
import {readOutboxFile} from '../../../src/live/outbox-file.js';
import {silentLogger} from '../../../src/log.js';

/** proper-lockfile's staleness as src/live/outbox-store.ts uses it (its default `staleMs`), in ms. */
const STALE_MS = 10_000;

/**
 * The message ids in the outbox files of `dir` (and the legacy `<dir>.json`).
 * @param isAdoptableOnly only files whose lock no running client holds (what a client starting
 *   now adopts); a killed client's lock counts as held until it is stale (10 s).
 */
export async function outboxIds(dir: string, isAdoptableOnly: boolean): Promise<Set<string>> {
	const names = await readdir(dir).catch(() => [] as string[]);
	const files = [`${dir}.json`, ...names.filter((name) => name.endsWith('.json')).map((name) => join(dir, name))];
	const ids = new Set<string>();
	for (const file of files) {
		if (isAdoptableOnly && (await lockfile.check(file, {realpath: false, stale: STALE_MS}).catch(() => false))) continue;
		for (const message of await readOutboxFile(file, silentLogger())) ids.add(message.messageId);
	}
	return ids;
}
