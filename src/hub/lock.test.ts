import {spawnSync} from 'node:child_process';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {existsSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {acquireLock, isProcessAlive, LockHeldError} from './lock.js';

/** The pid of a process that has already exited. */
function deadPid(): number {
	const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
	return Number(child.stdout.toString());
}

describe('acquireLock', () => {
	let dir: string;
	let path: string;
	beforeEach(async () => {
		dir = await mkdtemp(join(tmpdir(), 'hermes-lock-'));
		path = join(dir, 'hub.lock');
	});
	afterEach(async () => {
		await rm(dir, {recursive: true, force: true});
	});

	it('creates the lock with our pid and refuses a second taker while we live', async () => {
		const lock = await acquireLock(path);
		expect(await readFile(path, 'utf8')).toBe(`${process.pid}\n`);
		await expect(acquireLock(path)).rejects.toBeInstanceOf(LockHeldError);
		await lock.release();
		expect(existsSync(path)).toBe(false);
	});

	it('takes over a lock left by a dead process', async () => {
		const pid = deadPid();
		expect(isProcessAlive(pid)).toBe(false);
		await writeFile(path, `${pid}\n`);
		const lock = await acquireLock(path);
		expect(await readFile(path, 'utf8')).toBe(`${process.pid}\n`);
		await lock.release();
	});

	it('takes over an unreadable lock file, and release leaves a lock that is not ours alone', async () => {
		await writeFile(path, 'garbage');
		const lock = await acquireLock(path);
		await writeFile(path, '1\n');
		await lock.release();
		expect(await readFile(path, 'utf8')).toBe('1\n');
	});

	it('of two concurrent takers, exactly one wins', async () => {
		await writeFile(path, `${deadPid()}\n`);
		const results = await Promise.allSettled([acquireLock(path), acquireLock(path)]);
		// Both run in this process, so the loser sees our own (live) pid: held.
		expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
		expect(results.find((r) => r.status === 'rejected')?.reason).toBeInstanceOf(LockHeldError);
	});
});
