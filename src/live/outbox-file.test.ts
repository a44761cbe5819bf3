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

	it('writes the latest list, creating the folder, and reads it back', async () => {
		const path = join(dir, 'outbox', 'alice.json');
		const file = new OutboxFile(path, silentLogger());
		file.save([m('1')]);
		file.save([m('1'), m('2')]);
		file.save([m('2')]);
		await file.flush();
		expect(await readOutboxFile(path, silentLogger())).toEqual([m('2')]);
		file.save([]);
		await file.flush();
		expect(JSON.parse(await readFile(path, 'utf8'))).toEqual([]);
	});

	it('treats a missing, corrupt or foreign file as an empty outbox', async () => {
		expect(await readOutboxFile(join(dir, 'none.json'), silentLogger())).toEqual([]);
		await writeFile(join(dir, 'bad.json'), '{"half":');
		expect(await readOutboxFile(join(dir, 'bad.json'), silentLogger())).toEqual([]);
		await writeFile(join(dir, 'odd.json'), JSON.stringify([m('ok'), {messageId: 3}, 'x']));
		expect(await readOutboxFile(join(dir, 'odd.json'), silentLogger())).toEqual([m('ok')]);
	});
});
