// One outbox file per running client of a user, locked while it runs, and adoption of the files
// that crashed or closed clients left behind. May import node:fs/path, proper-lockfile and log.
import {randomBytes} from 'node:crypto';
import {mkdirSync} from 'node:fs';
import {readdir, rm} from 'node:fs/promises';
import {join} from 'node:path';
import lockfile from 'proper-lockfile';
import type {Logger} from '../log.js';
import {OutboxFile, readOutboxFile, type PersistedMessage} from './outbox-file.js';

/** Options for {@link openOutboxStore}. */
export interface OutboxStoreOptions {
	/** Folder of this user's outbox files, e.g. `$HERMES_HOME/outbox/<user>` (created 0700). */
	dir: string;
	/** A single-file outbox of an earlier version (`$HERMES_HOME/outbox/<user>.json`), adopted once. */
	legacyFile?: string;
	logger: Logger;
	/** A write problem (one line) or `undefined` once writes succeed again; see {@link OutboxFile}. */
	onProblem?: (problem: string | undefined) => void;
	/**
	 * A lock not refreshed for this long belongs to a dead client (ms, default 10,000; the owner
	 * refreshes it every half of that). proper-lockfile's mkdir lock works on any local file system.
	 */
	staleMs?: number;
}

/** Messages adopted from other clients' files, and what to do with those files afterwards. */
export interface Adoption {
	messages: PersistedMessage[];
	/**
	 * Call once the adopted messages are durably in this client's own file (`isSaved`): their
	 * old files are deleted. Otherwise they are only unlocked, for the next client to adopt.
	 */
	settle(isSaved: boolean): Promise<void>;
}

/** This client's outbox file, and the others of the same user. */
export interface OutboxStore {
	/** This client's own file (`<dir>/<pid>-<random>.json`). */
	readonly file: OutboxFile;
	/**
	 * Lock and read every other `*.json` in the folder (and the legacy file) whose client is
	 * gone: a file whose lock is held by a running client is left alone, so two clients of
	 * one user never take each other's messages. Never throws.
	 */
	adoptOrphans(): Promise<Adoption>;
	/** Write what is pending, release the lock; delete the file when `isEmpty`. Never throws. */
	close(isEmpty: boolean): Promise<void>;
}

/**
 * Create this client's own outbox file (empty) and lock it, synchronously (so the first
 * message can be saved at once). Never throws: a folder that cannot be written is reported
 * through `onProblem` and the outbox works from memory.
 */
export function openOutboxStore(options: OutboxStoreOptions): OutboxStore {
	const {dir, logger} = options;
	const staleMs = options.staleMs ?? 10_000;
	const path = join(dir, `${process.pid}-${randomBytes(4).toString('hex')}.json`);
	const lockOptions = {realpath: false, stale: staleMs, update: Math.floor(staleMs / 2)};
	let release: (() => void) | undefined;
	const lock = (): void => {
		if (release) return;
		try {
			mkdirSync(dir, {recursive: true, mode: 0o700});
			// Locked before it exists, so a client scanning the folder never adopts a live file.
			release = lockfile.lockSync(path, {
				...lockOptions,
				// A client frozen past `staleMs` may have been adopted by another: both then send the
				// same message ids, which the ingester stores once. Nothing to stop here.
				onCompromised: (error) => logger.warn({path, err: error.message}, 'outbox lock lost; another client may resend these messages too'),
			});
		} catch (error) {
			logger.warn({path, err: (error as Error).message}, 'outbox folder not usable');
		}
	};
	// A folder that was unusable at start is locked as soon as a write succeeds there.
	const file = new OutboxFile(path, logger, (problem) => {
		if (problem === undefined) lock();
		options.onProblem?.(problem);
	});
	lock();
	file.saveNow([]);

	return {
		file,
		async adoptOrphans() {
			const candidates = await orphanCandidates(dir, path, options.legacyFile);
			const adopted: Array<{path: string; release: () => Promise<void>}> = [];
			const messages: PersistedMessage[] = [];
			for (const candidate of candidates) {
				let unlock: () => Promise<void>;
				try {
					unlock = await lockfile.lock(candidate, {...lockOptions, onCompromised: () => undefined});
				} catch {
					continue; // a running client holds it (ELOCKED), or it just went away
				}
				adopted.push({path: candidate, release: unlock});
				messages.push(...(await readOutboxFile(candidate, logger)));
			}
			return {
				messages,
				async settle(isSaved) {
					for (const orphan of adopted) {
						if (isSaved) await rm(orphan.path, {force: true}).catch(() => undefined);
						await orphan.release().catch(() => undefined);
					}
				},
			};
		},
		async close(isEmpty) {
			file.flush();
			if (isEmpty) await rm(path, {force: true}).catch(() => undefined);
			try {
				release?.();
			} catch {
				// already released or compromised: nothing left to do
			}
		},
	};
}

async function orphanCandidates(dir: string, own: string, legacyFile: string | undefined): Promise<string[]> {
	const names = await readdir(dir).catch(() => [] as string[]);
	const files = names.filter((name) => name.endsWith('.json')).map((name) => join(dir, name)).filter((p) => p !== own);
	return legacyFile ? [legacyFile, ...files] : files;
}
