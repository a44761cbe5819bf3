import {describe, expect, it} from 'vitest';
import {silentLogger} from '../log.js';
import type {ChatEvent, ChatMessage} from '../core/types.js';
import {EventHub} from './event-hub.js';

const message = (id: string): ChatMessage => ({
	messageId: id, messageType: 'text', senderId: 'bob', senderName: 'Bob', receiverId: 'alice', conversationId: 'alice:bob',
	content: id, createdAt: 1, status: 'sent',
});

describe('EventHub', () => {
	it('delivers a burst of messages as one event, before the next direct event', () => {
		const hub = new EventHub(silentLogger());
		const events: ChatEvent[] = [];
		hub.subscribe((e) => events.push(e));
		hub.addMessage(message('m1'));
		hub.addMessage(message('m2'));
		hub.emit({type: 'notice', level: 'info', text: 'hi'});
		expect(events.map((e) => e.type)).toEqual(['messages-received', 'notice']);
		expect(events[0]).toMatchObject({messages: [{messageId: 'm1'}, {messageId: 'm2'}]});
	});

	it('delivers a burst of changes as one event, after the messages of the same turn', () => {
		const hub = new EventHub(silentLogger());
		const events: ChatEvent[] = [];
		hub.subscribe((e) => events.push(e));
		const edit = {kind: 'edit' as const, conversationId: 'alice:bob', messageId: 'm1', senderId: 'bob', content: 'm1!', version: 1, editedAt: 2};
		hub.addChange(edit);
		hub.addMessage(message('m1'));
		hub.addChange({kind: 'reaction', conversationId: 'alice:bob', messageId: 'm1', senderId: 'bob', emoji: '👍', userId: 'alice', isOn: true, at: 3});
		hub.flush();
		expect(events.map((e) => e.type)).toEqual(['messages-received', 'messages-changed']);
		expect(events[1]).toMatchObject({changes: [edit, {kind: 'reaction'}]});
	});

	it('flushes batches on the next turn of the event loop', async () => {
		const hub = new EventHub(silentLogger());
		const events: ChatEvent[] = [];
		hub.subscribe((e) => events.push(e));
		hub.addReceipt({messageId: 'm1', status: 'read', userId: 'bob', at: 1});
		expect(events).toEqual([]);
		await new Promise((resolve) => setImmediate(resolve));
		expect(events).toEqual([{type: 'receipts-received', receipts: [{messageId: 'm1', status: 'read', userId: 'bob', at: 1}]}]);
	});

	it('tells a new listener the current connection states, and survives a throwing listener', () => {
		const hub = new EventHub(silentLogger());
		hub.emit({type: 'connection-changed', service: 'broker', state: 'connecting'});
		hub.emit({type: 'connection-changed', service: 'broker', state: 'up', detail: 'MQTT 5'});
		hub.emit({type: 'connection-changed', service: 'database', state: 'down', detail: 'refused'});
		hub.subscribe(() => {
			throw new Error('boom');
		});
		const events: ChatEvent[] = [];
		const unsubscribe = hub.subscribe((e) => events.push(e));
		expect(events).toEqual([
			{type: 'connection-changed', service: 'broker', state: 'up', detail: 'MQTT 5'},
			{type: 'connection-changed', service: 'database', state: 'down', detail: 'refused'},
		]);
		unsubscribe();
		hub.emit({type: 'notice', level: 'info', text: 'after'});
		expect(events).toHaveLength(2);
	});

	// Regression: retained presence arrives right after connecting, often before the TUI
	// subscribes; the list then showed online people as offline ("last seen").
	it('tells a new listener the latest presence of everyone seen so far', () => {
		const hub = new EventHub(silentLogger());
		hub.addPresences([
			{userId: 'bob', name: 'Bob', state: 'online', statusMessage: '', at: 2},
			{userId: 'cat', name: 'Cat', state: 'away', statusMessage: 'lunch', at: 1},
		]);
		hub.addPresences([{userId: 'bob', name: 'Bob', state: 'offline', statusMessage: '', at: 1}]);
		hub.flush();
		const seen: ChatEvent[] = [];
		hub.subscribe((event) => seen.push(event));
		expect(seen).toEqual([
			{
				type: 'presence-changed',
				presences: [
					{userId: 'bob', name: 'Bob', state: 'online', statusMessage: '', at: 2},
					{userId: 'cat', name: 'Cat', state: 'away', statusMessage: 'lunch', at: 1},
				],
			},
		]);
	});
});
