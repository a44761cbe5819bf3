// Keeps the outbox's unconfirmed messages in a file, so they survive the process that sent them.
// May import node:fs/path and log only.
import {mkdir, readFile, rename, writeFile} from 'node:fs/promises';
import {dirname} from 'node:path';
import type {Logger} from '../log.js';

/** One unconfirmed message as stored: its id, topic, and the encoded payload (UTF-8 JSON text). */
export interface PersistedMessage {
	messageId: string;
	topic: string;
	payload: string;
}

/**
 * Read the messages left by an earlier process. A missing file is an empty outbox; an
 * unreadable or malformed one is logged in one line and treated as empty (never throws).
 */
export async function readOutboxFile(path: string, logger: Logger): Promise<PersistedMessage[]> {
	let text: string;
	try {
		text = await readFile(path, 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'ENOENT') logger.warn({path, err: (error as Error).message}, 'outbox file unreadable');
		return [];
	}
	try {
		const parsed: unknown = JSON.parse(text);
		if (!Array.isArray(parsed)) throw new Error('not a list');
		return parsed.filter(
			(m): m is PersistedMessage =>
				typeof m === 'object' && m !== null && typeof m.messageId === 'string' && typeof m.topic === 'string' && typeof m.payload === 'string',
		);
	} catch (error) {
		logger.warn({path, err: (error as Error).message}, 'outbox file is not a JSON list; ignored');
		return [];
	}
}

/**
 * Writes the current list of unconfirmed messages to `path` (JSON, via a temporary file and
 * rename, so a crash leaves the old or the new list, never half of one). Saves made while a
 * write runs are coalesced into one more write of the latest list.
 */
export class OutboxFile {
	readonly #path: string;
	readonly #logger: Logger;
	#latest: PersistedMessage[] | undefined;
	#writing: Promise<void> | undefined;

	constructor(path: string, logger: Logger) {
		this.#path = path;
		this.#logger = logger;
	}

	/** Schedule writing `messages` (the whole current list); returns at once, never throws. */
	save(messages: PersistedMessage[]): void {
		this.#latest = messages;
		this.#writing ??= this.#drain();
	}

	/** Resolves once everything saved so far is on disk. */
	async flush(): Promise<void> {
		while (this.#writing) await this.#writing;
	}

	async #drain(): Promise<void> {
		try {
			while (this.#latest) {
				const messages = this.#latest;
				this.#latest = undefined;
				const temporary = `${this.#path}.${process.pid}.tmp`;
				try {
					await mkdir(dirname(this.#path), {recursive: true});
					await writeFile(temporary, JSON.stringify(messages));
					await rename(temporary, this.#path);
				} catch (error) {
					this.#logger.warn({path: this.#path, err: (error as Error).message}, 'outbox file not written');
				}
			}
		} finally {
			this.#writing = undefined;
		}
	}
}
