// Keeps the outbox's unconfirmed messages in a file, durably, so they survive the process that
// sent them and a crash of the machine. May import node:fs/path and log only.
import {closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync} from 'node:fs';
import {readFile} from 'node:fs/promises';
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
 * Replace `path` with `messages` (JSON) durably: write a temporary file, fsync it, rename it
 * over `path`, fsync the folder (0700, created when missing). A crash leaves the old or the
 * new list, never half of one, and once this returns the new list survives a power loss.
 * @throws the file system's error (ENOSPC, EACCES, EROFS, ENOTDIR…).
 */
export function writeOutboxFileSync(path: string, messages: readonly PersistedMessage[]): void {
	const folder = dirname(path);
	mkdirSync(folder, {recursive: true, mode: 0o700});
	const temporary = `${path}.${process.pid}.tmp`;
	const fd = openSync(temporary, 'w', 0o600);
	let isWritten = false;
	try {
		// writeSync may write less than asked (a full disk gives a short write, not ENOSPC, first):
		// write the rest until done, so the next call throws ENOSPC instead of a truncated list
		// being renamed over the good one.
		const bytes = Buffer.from(JSON.stringify(messages), 'utf8');
		for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset, bytes.length - offset);
		fsyncSync(fd);
		isWritten = true;
	} finally {
		closeSync(fd);
		// A temporary file that could not be written whole would only take the disk's last space.
		if (!isWritten) rmSync(temporary, {force: true});
	}
	renameSync(temporary, path);
	const folderFd = openSync(folder, 'r');
	try {
		fsyncSync(folderFd);
	} finally {
		closeSync(folderFd);
	}
}

/**
 * One outbox file, written synchronously: {@link OutboxFile.saveNow} before a new message is
 * shown as queued (so "◷" means "on disk"), {@link OutboxFile.save} for removals (a burst of
 * ✓ becomes one write on the next turn of the event loop; a stale entry only means one more
 * resend of an id the ingester stores once). Synchronous, so two writes never race.
 * A failed write is reported once through `onProblem(text)`, and `onProblem(undefined)`
 * follows the next write that succeeds.
 */
export class OutboxFile {
	readonly #path: string;
	readonly #logger: Logger;
	readonly #onProblem: (problem: string | undefined) => void;
	#latest: readonly PersistedMessage[] | undefined;
	#timer: ReturnType<typeof setTimeout> | undefined;
	#problem: string | undefined;

	constructor(path: string, logger: Logger, onProblem: (problem: string | undefined) => void = () => undefined) {
		this.#path = path;
		this.#logger = logger;
		this.#onProblem = onProblem;
	}

	/** The file's path. */
	get path(): string {
		return this.#path;
	}

	/** The current write problem (one line), or undefined when the last write succeeded. */
	get problem(): string | undefined {
		return this.#problem;
	}

	/**
	 * Write `messages` (the whole current list) now and durably. Never throws.
	 * @returns whether it is on disk.
	 */
	saveNow(messages: readonly PersistedMessage[]): boolean {
		this.#cancel();
		try {
			writeOutboxFileSync(this.#path, messages);
		} catch (error) {
			const {code, message} = error as NodeJS.ErrnoException;
			const problem = `outbox not saved (${code ?? message}) — unsent messages are lost if this client stops; free disk space or fix ${dirname(this.#path)}`;
			if (problem !== this.#problem) {
				this.#logger.warn({path: this.#path, err: message}, 'outbox file not written');
				this.#problem = problem;
				this.#onProblem(problem);
			}
			return false;
		}
		if (this.#problem !== undefined) {
			this.#logger.info({path: this.#path}, 'outbox file written again');
			this.#problem = undefined;
			this.#onProblem(undefined);
		}
		return true;
	}

	/** Write `messages` on the next turn of the event loop, coalescing calls made until then. */
	save(messages: readonly PersistedMessage[]): void {
		this.#latest = messages;
		this.#timer ??= setTimeout(() => this.flush(), 0);
	}

	/** Write what {@link OutboxFile.save} still holds, now. */
	flush(): void {
		const latest = this.#latest;
		this.#cancel();
		if (latest) this.saveNow(latest);
	}

	#cancel(): void {
		if (this.#timer) clearTimeout(this.#timer);
		this.#timer = undefined;
		this.#latest = undefined;
	}
}
