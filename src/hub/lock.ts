// An exclusive, pid-stamped lock file, so two hubs never open one data directory.
// May import node: modules only.
import {readFile, rename, rm, writeFile} from 'node:fs/promises';

/** Thrown when another live process holds the lock. */
export class LockHeldError extends Error {
	/** The holder's pid. */
	readonly pid: number;

	constructor(path: string, pid: number) {
		super(`${path} is held by process ${pid}`);
		this.name = 'LockHeldError';
		this.pid = pid;
	}
}

/** A held lock. */
export interface FileLock {
	/** Remove the lock file if it is still ours. Never throws. */
	release(): Promise<void>;
}

/**
 * Create `path` exclusively with this process's pid. A lock left by a dead process is
 * taken over (moved aside under a unique name first, so two takers cannot both win).
 * @throws LockHeldError when a live process holds it; fs errors otherwise.
 */
export async function acquireLock(path: string): Promise<FileLock> {
	for (let attempt = 0; attempt < 3; attempt++) {
		try {
			await writeFile(path, `${process.pid}\n`, {flag: 'wx'});
			return {release: () => releaseIfOurs(path)};
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
		}
		const holder = await readPid(path);
		if (holder !== undefined && isProcessAlive(holder)) throw new LockHeldError(path, holder);
		// Stale: move it aside atomically; only one of several takers gets this rename.
		const aside = `${path}.stale-${process.pid}`;
		try {
			await rename(path, aside);
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
			continue;
		}
		const moved = await readPid(aside);
		// We moved a fresh lock taken by a live process in the meantime: put it back, it wins.
		if (moved !== undefined && moved !== holder && isProcessAlive(moved)) {
			await rename(aside, path);
			throw new LockHeldError(path, moved);
		}
		await rm(aside, {force: true});
	}
	throw new Error(`could not take ${path}`);
}

/** Whether a process with this pid exists (EPERM counts as alive). */
export function isProcessAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

/** The pid written in the lock file at `path`, or `undefined` when it is missing or unreadable. Never throws. */
export async function readPid(path: string): Promise<number | undefined> {
	try {
		const pid = Number.parseInt(await readFile(path, 'utf8'), 10);
		return Number.isInteger(pid) && pid > 0 ? pid : undefined;
	} catch {
		return undefined;
	}
}

async function releaseIfOurs(path: string): Promise<void> {
	if ((await readPid(path)) === process.pid) await rm(path, {force: true}).catch(() => undefined);
}
