// Regression (fault suite, full disk): a short write must not rename a truncated list over the good one.
import {mkdtemp, readFile, readdir, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, describe, expect, it, vi} from 'vitest';

const state = vi.hoisted(() => ({budget: Infinity}));
vi.mock('node:fs', async (importOriginal) => {
	const fs = await importOriginal<typeof import('node:fs')>();
	// A disk with `budget` bytes left: a short write first, then ENOSPC, as Linux does.
	const writeSync = (fd: number, buffer: Buffer, offset = 0, length = buffer.length - offset) => {
		if (state.budget <= 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), {code: 'ENOSPC'});
		const n = Math.min(length, state.budget);
		state.budget -= n;
		return fs.writeSync(fd, buffer, offset, n);
	};
	return {...fs, writeSync, default: {...fs, writeSync}};
});
// The unit suites share one module graph per worker (vitest.config.ts): load outbox-file.js anew,
// so it imports the mocked node:fs even when another suite loaded it first.
vi.resetModules();
const {writeOutboxFileSync} = await import('./outbox-file.js');

describe('writeOutboxFileSync on a full disk', () => {
	let dir = '';
	afterEach(async () => {
		state.budget = Infinity;
		await rm(dir, {recursive: true, force: true});
	});

	it('throws ENOSPC, keeps the previous list intact and leaves no temporary file', async () => {
		dir = await mkdtemp(join(tmpdir(), 'outbox-short-'));
		const path = join(dir, 'me.json');
		const first = [{messageId: 'm1', topic: 't', payload: 'p'}];
		writeOutboxFileSync(path, first);
		state.budget = 10;
		expect(() => writeOutboxFileSync(path, [...first, {messageId: 'm2', topic: 't', payload: 'x'.repeat(100)}])).toThrow(/ENOSPC/);
		expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(first);
		expect(await readdir(dir)).toEqual(['me.json']);
	});
});
