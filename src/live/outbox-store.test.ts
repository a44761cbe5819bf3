import {mkdir, mkdtemp, readdir, rm, utimes, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {silentLogger} from '../log.js';
import {readOutboxFile} from './outbox-file.js';
import {openOutboxStore} from './outbox-store.js';

const m = (id: string) => ({messageId: id, topic: 'chat/messages/bob/alice', payload: `{"id":"${id}"}`});
const logger = silentLogger();

describe('openOutboxStore', () => {
	let home: string;
	let dir: string;
	beforeEach(async () => {
		home = await mkdtemp(join(tmpdir(), 'hermes-outbox-store-'));
		dir = join(home, 'outbox', 'alice');
	});
	afterEach(() => rm(home, {recursive: true, force: true}));

	it('gives two running clients of one user their own files; neither adopts the other (issue 11: 49 of 100 lost)', async () => {
		const a = openOutboxStore({dir, logger});
		const b = openOutboxStore({dir, logger});
		expect(a.file.path).not.toBe(b.file.path);
		a.file.saveNow([m('a1'), m('a2')]);
		b.file.saveNow([m('b1')]);
		expect((await a.adoptOrphans()).messages).toEqual([]);
		expect((await b.adoptOrphans()).messages).toEqual([]);
		expect(await readOutboxFile(a.file.path, logger)).toEqual([m('a1'), m('a2')]);
		expect(await readOutboxFile(b.file.path, logger)).toEqual([m('b1')]);
		await a.close(false);
		await b.close(false);
	});

	it('adopts the files of clients that are gone, and the legacy single file, deleting them once saved', async () => {
		const legacyFile = join(home, 'outbox', 'alice.json');
		const closed = openOutboxStore({dir, logger});
		closed.file.saveNow([m('c1')]);
		await closed.close(false);
		await writeFile(legacyFile, JSON.stringify([m('l1')]));
		const next = openOutboxStore({dir, logger, legacyFile});
		const adoption = await next.adoptOrphans();
		expect(adoption.messages.map((x) => x.messageId).sort()).toEqual(['c1', 'l1']);
		next.file.saveNow(adoption.messages);
		await adoption.settle(true);
		expect((await readdir(dir)).filter((f) => f.endsWith('.json'))).toEqual([next.file.path.split('/').at(-1)]);
		expect((await readdir(join(home, 'outbox'))).filter((f) => f.endsWith('.json'))).toEqual([]);
		await next.close(false);
	});

	it('adopts the file of a crashed client once its lock is stale, and keeps orphans when its own save failed', async () => {
		const crashed = join(dir, '999999-dead.json');
		await mkdir(dir, {recursive: true});
		await writeFile(crashed, JSON.stringify([m('x1')]));
		// proper-lockfile's lock is a folder whose mtime the owner refreshes; a crash stops that.
		await mkdir(`${crashed}.lock`);
		const old = new Date(Date.parse('2020-01-01T00:00:00Z'));
		await utimes(`${crashed}.lock`, old, old);
		const next = openOutboxStore({dir, logger, staleMs: 2_000});
		const adoption = await next.adoptOrphans();
		expect(adoption.messages).toEqual([m('x1')]);
		await adoption.settle(false);
		expect(await readOutboxFile(crashed, logger)).toEqual([m('x1')]);
		await next.close(true);
		expect((await readdir(dir)).filter((f) => f.endsWith('.json'))).toEqual(['999999-dead.json']);
	});

	it('keeps the folder private (0700)', async () => {
		const store = openOutboxStore({dir, logger});
		const {stat} = await import('node:fs/promises');
		expect((await stat(dir)).mode & 0o777).toBe(0o700);
		await store.close(true);
	});

	it('locks its file once a folder that was unusable at start can be written, so nobody adopts a live client', async () => {
		await mkdir(join(home, 'outbox'), {recursive: true});
		await writeFile(dir, 'a file where the folder should be');
		const problems: Array<string | undefined> = [];
		const blocked = openOutboxStore({dir, logger, onProblem: (p) => problems.push(p)});
		expect(problems).toHaveLength(1);
		await rm(dir);
		expect(blocked.file.saveNow([m('b1')])).toBe(true);
		expect(problems).toEqual([problems[0], undefined]);
		const other = openOutboxStore({dir, logger});
		expect((await other.adoptOrphans()).messages).toEqual([]);
		expect(await readOutboxFile(blocked.file.path, logger)).toEqual([m('b1')]);
		await other.close(true);
		await blocked.close(false);
	});
});
