// Search and the "while you were away" summary through the chat client, once per target (real
// Mosquitto + PostgreSQL with our ingester, and the embedded hub): messages sent by clients and
// stored by the ingester (mentions included) are found by members only (an edited or deleted text no more), and summarised.
import {afterAll, beforeAll, expect, it} from 'vitest';
import type {ChatPort} from '../../src/core/types.js';
import {startIngester, type Ingester} from '../../src/ingest/ingester.js';
import {eventually, startClient, type Recorder} from '../helpers/chat-recorder.js';
import {forEachTarget} from '../helpers/targets.js';

forEachTarget('search and the away summary through the client', (target) => {
	let ingester: Ingester | undefined;
	const people: Record<string, {port: ChatPort; recorder: Recorder}> = {};
	const word = `kumquat${Date.now().toString(36)}`;

	beforeAll(async () => {
		if (target.needsIngester) ingester = await startIngester({mqttUrl: target.mqttUrl, databaseUrl: target.databaseUrl, topicBase: target.topicBase, logger: target.logger});
		for (const id of ['sara', 'tom', 'uma']) people[id] = await startClient(target, id);
	});
	afterAll(async () => {
		for (const person of Object.values(people)) await person.port.close();
		await ingester?.stop();
	});

	const sendStored = async (from: string, conversationId: string, content: string) => {
		await people[from]!.port.sendMessage(conversationId, content);
		await people[from]!.recorder.waitFor('message-sent', (e) => e.message.content === content && e.message.status === 'received_by_server');
	};

	it('finds stored messages in my conversations only, with the word marked, and refuses bad queries in one line', async () => {
		await sendStored('sara', 'sara:tom', `the ${word} order is late, @tom`);
		await sendStored('uma', 'tom:uma', `secret ${word} recipe`);
		const sara = await eventually(async () => {
			const result = await people.sara!.port.searchMessages({text: word});
			expect(result.hits).toHaveLength(1);
			return result;
		});
		expect(sara.error).toBeUndefined();
		const [hit] = sara.hits;
		expect(hit).toMatchObject({conversationId: 'sara:tom', senderId: 'sara', snippet: `the ${word} order is late, @tom`});
		expect(hit!.matches.map(([s, e]) => hit!.snippet.slice(s, e))).toEqual([word]);
		// tom is in both conversations; uma only in hers.
		expect((await people.tom!.port.searchMessages({text: word})).hits.map((h) => h.conversationId)).toEqual(['tom:uma', 'sara:tom']);
		expect((await people.uma!.port.searchMessages({text: `${word} -secret`})).hits).toEqual([]);
		expect(await people.uma!.port.searchMessages({text: 'x'.repeat(201)})).toEqual({hits: [], error: 'search text too long (201 characters, at most 200)'});
	});

	it('summarises what tom has not read: the mention first, with the first unread line', async () => {
		const {entries: away, total} = await people.tom!.port.loadAwaySummary();
		expect(total).toBe(away.length);
		const mine = away.filter((e) => e.conversationId === 'sara:tom' || e.conversationId === 'tom:uma');
		expect(mine.map((e) => [e.conversationId, e.unread, e.mentions])).toEqual([['sara:tom', 1, 1], ['tom:uma', 1, 0]]);
		expect(mine[0]!.firstUnread).toMatchObject({senderId: 'sara', content: `the ${word} order is late, @tom`});
		expect(away.findIndex((e) => e.conversationId === 'sara:tom')).toBe(0);
	});

	it('never finds a deleted message, nor the text of an earlier version', async () => {
		const gone = `quince${Date.now().toString(36)}`;
		const first = `${gone} first draft`;
		await sendStored('uma', 'tom:uma', first);
		await eventually(async () => expect((await people.tom!.port.searchMessages({text: gone})).hits.map((h) => h.snippet)).toEqual([first]));
		const sentEvent = await people.uma!.recorder.waitFor('message-sent', (e) => e.message.content === first);
		await people.uma!.port.editMessage('tom:uma', sentEvent.message.messageId, 'second draft, the word is gone');
		await people.tom!.recorder.waitFor('messages-changed', (e) => e.changes.some((c) => c.kind === 'edit' && c.messageId === sentEvent.message.messageId));
		expect((await people.tom!.port.searchMessages({text: gone})).hits).toEqual([]);
		expect((await people.tom!.port.searchMessages({text: 'second draft'})).hits.map((h) => h.messageId)).toEqual([sentEvent.message.messageId]);
		await people.uma!.port.deleteMessage('tom:uma', sentEvent.message.messageId, 'uma');
		await people.tom!.recorder.waitFor('messages-changed', (e) => e.changes.some((c) => c.kind === 'delete' && c.messageId === sentEvent.message.messageId));
		for (const who of ['tom', 'uma']) expect((await people[who]!.port.searchMessages({text: 'second draft'})).hits, who).toEqual([]);
	});
});
