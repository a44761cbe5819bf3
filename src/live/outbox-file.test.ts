import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {silentLogger} from '../log.js';
import {OutboxFile, readOutboxFile} from './outbox-file.js';

describe('OutboxFile', () => {
	let dir: string;
	beforeEach(async () => {
		dir = await mkdtemp(join(tmpdir(), 'hermes-outbox-'));
	});
	afterEach(() => rm(dir, {recursive: true, force: true}));

	const m = (id: string) => ({messageId: id, topic: 'chat/messages/bob/alice', payload: `{"id":"${id}"}`});

	it('is on disk when saveNow returns (no later tick needed), creating the folder', async () => {
		const path = join(dir, 'outbox', 'alice', 'me.json');
		const file = new OutboxFile(path, silentLogger());
		expect(file.saveNow([m('1')])).toBe(true);
		expect(JSON.parse(await readFile(path, 'utf8'))).toEqual([m('1')]);
	});

	it('coalesces save() calls into one write of the latest list; saveNow and flush supersede it', async () => {
		const path = join(dir, 'me.json');
		const file = new OutboxFile(path, silentLogger());
		file.save([m('1')]);
		file.save([m('1'), m('2')]);
		file.save([m('2')]);
		file.flush();
		expect(await readOutboxFile(path, silentLogger())).toEqual([m('2')]);
		file.save([]);
		file.saveNow([m('3')]);
		await new Promise((resolve) => setTimeout(resolve, 5));
		// The pending save([]) was superseded, not written after the newer list.
		expect(await readOutboxFile(path, silentLogger())).toEqual([m('3')]);
	});

	it('reports a write failure once, keeps it while writes fail, and clears it when one succeeds', async () => {
		// A file where the folder should be: ENOTDIR even for root (a read-only folder is not, for root).
		const blocked = join(dir, 'outbox');
		await writeFile(blocked, 'not a folder');
		const problems: Array<string | undefined> = [];
		const file = new OutboxFile(join(blocked, 'alice', 'me.json'), silentLogger(), (p) => problems.push(p));
		expect(file.saveNow([m('1')])).toBe(false);
		expect(file.saveNow([m('1'), m('2')])).toBe(false);
		expect(problems).toHaveLength(1);
		expect(problems[0]).toMatch(/^outbox not saved \((ENOTDIR|EEXIST)\) — unsent messages are lost if this client stops; free disk space or fix /);
		expect(file.problem).toBe(problems[0]);
		await rm(blocked);
		expect(file.saveNow([m('1'), m('2')])).toBe(true);
		expect(problems).toEqual([problems[0], undefined]);
		expect(file.problem).toBeUndefined();
	});

	it('treats a missing, corrupt or foreign file as an empty outbox', async () => {
		expect(await readOutboxFile(join(dir, 'none.json'), silentLogger())).toEqual([]);
		await writeFile(join(dir, 'bad.json'), '{"half":');
		expect(await readOutboxFile(join(dir, 'bad.json'), silentLogger())).toEqual([]);
		await writeFile(join(dir, 'odd.json'), JSON.stringify([m('ok'), {messageId: 3}, 'x']));
		expect(await readOutboxFile(join(dir, 'odd.json'), silentLogger())).toEqual([m('ok')]);
	});
});
