// Rooms through the real components: room commands, the list, system lines, ticks per member, typing names, mute.
import chalk from 'chalk';
import {afterEach, describe, expect, it} from 'vitest';
import {commandNames} from '../../src/core/completion.js';
import {KEY_ACTIONS} from '../../src/core/keymap.js';
import type {ConversationSummary} from '../../src/core/types.js';
import {fakeMember, fakeMessage, fakeSystemMessage} from '../helpers/fake-port.js';
import {KEYS, renderApp, type Harness} from './harness.js';

let h: Harness;
afterEach(() => {
	h?.unmount();
	chalk.level = 0;
});

const at = (m: number): number => Date.UTC(2026, 10, 22, 10, m);
const ROOM = 'room-1';
const team: ConversationSummary = {
	conversationId: ROOM,
	kind: 'group',
	title: 'Team',
	topic: 'ship it',
	memberCount: 3,
	role: 'admin',
	isMuted: false,
	unread: 2,
	lastActivityAt: at(9),
	lastMessage: {senderId: 'bob', senderName: 'Bob', content: 'on my way', createdAt: at(9), messageType: 'text'},
};
const bob: ConversationSummary = {conversationId: 'alice:bob', kind: 'direct', peerId: 'bob', title: 'Bob', topic: '', memberCount: 2, isMuted: false, unread: 0, lastActivityAt: at(5)};
/** ✓✓ in the read colour (cyan), as thread-pane draws it. */
const READ_TICK = /\u001b\[36m(\u001b\[1m)?✓✓|\u001b\[1m\u001b\[36m✓✓/;
/** A frame without its colour codes. */
const plain = (frame: string): string => frame.replace(/\u001b\[[0-9;]*m/g, '');
const members = [fakeMember('alice', {role: 'admin'}), fakeMember('bob'), fakeMember('carol')];

async function start(list: ConversationSummary[] = [team, bob]): Promise<void> {
	h = renderApp();
	h.port.members.set(ROOM, members);
	h.port.emit({type: 'conversations-loaded', conversations: list});
	await h.waitForText(list[0]!.title);
}
async function openTeam(): Promise<void> {
	await start();
	await h.press(KEYS.enter);
	await h.waitForText('# Team · 3 members · ship it');
}
async function command(line: string): Promise<void> {
	await h.type(line);
	await h.press(KEYS.enter);
}

describe('the conversation list with rooms', () => {
	it('lists rooms (#) and direct chats together: unread, last message with its sender, my tick', async () => {
		await start();
		const frame = await h.waitForText('Bob: on my way');
		expect(frame).toMatch(/# Team\s+\(2\) 10:09/);
		expect(frame).toContain('Bob');
		h.port.emit({type: 'message-sent', message: {...fakeMessage('alice', ROOM, 'agreed', {id: 'mine', at: 11}), status: 'received_by_server'}});
		await h.waitForText('✓ me: agreed');
	});

	it('a muted room says so and does not notify; an unmuted one does', async () => {
		await start([{...team, isMuted: true}, bob]);
		await h.waitForText('muted (2)');
		h.port.emit({type: 'messages-received', messages: [fakeMessage('bob', ROOM, 'psst', {id: 'in1', at: 12})]});
		await h.waitForText('muted (3)');
		expect(h.notifications).toEqual([]);
		h.port.emit({type: 'messages-received', messages: [fakeMessage('bob', 'alice', 'direct', {id: 'in2', at: 13})]});
		await h.waitForText('direct');
		expect(h.notifications.map((n) => n.title)).toEqual(['Bob']);
	});

	it('names who is typing in a room: one, two, then a count', async () => {
		await start();
		const typing = (userId: string, name: string) => ({type: 'typing-changed' as const, userId, name, conversationId: ROOM, isTyping: true, at: 1_000});
		h.port.emit(typing('bob', 'Bob'));
		await h.waitForText('✎ Bob is typing…');
		h.port.emit(typing('carol', 'Carol'));
		await h.waitForText('✎ Bob, Carol typing…');
		h.port.emit(typing('dave', 'Dave'));
		await h.waitForText('✎ 3 people typing…');
	});
});

describe('a room thread', () => {
	it('shows system lines dim without a sender, and reloads the members when one arrives', async () => {
		await openTeam();
		h.port.emit({
			type: 'history-loaded',
			conversationId: ROOM,
			mode: 'latest',
			hasMore: false,
			messages: [
				fakeSystemMessage('alice', ROOM, 'Alice created "Team"', {action: 'create', userIds: ['bob', 'carol'], title: 'Team'}, {id: 's1', at: 1, seq: 1}),
				fakeMessage('bob', ROOM, 'hello all', {id: 'b1', at: 2, seq: 2}),
			],
		});
		const frame = await h.waitForText('Alice created "Team"');
		expect(frame).toMatch(/10:01 {3}Alice created "Team"/);
		expect(frame).not.toContain('Alice: Alice created');
		expect(frame).toContain('Bob: hello all');
		const loads = h.port.callsOf('loadMembers').length;
		h.port.emit({type: 'messages-received', messages: [fakeSystemMessage('alice', ROOM, 'Alice added Dave', {action: 'invite', userIds: ['dave']}, {id: 's2', at: 3, seq: 3})]});
		await h.waitForText('Alice added Dave');
		expect(h.port.callsOf('loadMembers').length).toBe(loads + 1);
		expect(h.port.callsOf('loadConversations').length).toBeGreaterThanOrEqual(2);
	});

	it('ticks my message ✓ until every member delivered, ✓✓ then, read colour when all read; i lists each member', async () => {
		chalk.level = 1;
		await openTeam();
		h.port.emit({type: 'history-loaded', conversationId: ROOM, mode: 'latest', hasMore: false, messages: [fakeMessage('alice', ROOM, 'lunch?', {id: 'm1', at: 1, seq: 1})]});
		await h.waitFor((f) => /Alice: lunch\?\s+✓ /.test(plain(f)), 'one tick');
		const receipt = (userId: string, status: 'delivered' | 'read', minute: number) => ({type: 'receipts-received' as const, receipts: [{messageId: 'm1', senderId: 'alice', userId, status, at: at(minute)}]});
		h.port.emit(receipt('bob', 'delivered', 2));
		h.port.emit(receipt('bob', 'read', 3));
		// Carol has not got it yet: still one tick.
		await h.waitFor((f) => /Alice: lunch\?\s+✓ /.test(plain(f)), 'still one tick');
		h.port.emit(receipt('carol', 'delivered', 4));
		await h.waitFor((f) => /Alice: lunch\?\s+✓✓/.test(plain(f)), 'two ticks');
		expect(h.frame()).not.toMatch(READ_TICK);
		h.port.emit(receipt('carol', 'read', 5));
		await h.waitFor((f) => READ_TICK.test(f), 'read colour');
		h.port.info.set('m1', [{messageId: 'm1', status: 'received_by_server', userId: 'alice', at: at(1)}]);
		await h.press(KEYS.tab, KEYS.tab); // thread
		await h.press('k');
		await h.press('i');
		await h.waitForText('Message info');
		await h.waitForText('Carol (carol)');
		const frame = plain(h.frame());
		expect(h.port.callsOf('messageInfo')).toEqual([['m1', 'alice']]);
		expect(frame).toContain('“lunch?” to #Team');
		expect(frame).toMatch(/Bob \(bob\)\s+2026-11-22 10:02:00\s+2026-11-22 10:03:00/);
		expect(frame).toMatch(/Carol \(carol\)\s+2026-11-22 10:04:00\s+2026-11-22 10:05:00/);
	});
});

describe('room commands', () => {
	it('/room create "Team X" bob carol creates the room and opens it', async () => {
		await start();
		h.port.nextRoomId = 'room-new';
		await command('/room create "Team X" bob carol');
		await h.waitForText('# Team X');
		expect(h.port.callsOf('createRoom')).toEqual([['Team X', ['bob', 'carol']]]);
		expect(h.port.callsOf('loadLatest')).toContainEqual(['room-new', 50]);
		await h.waitForText('room "Team X" created with bob, carol');
		await command('/room create Solo');
		expect(h.port.callsOf('createRoom')).toEqual([['Team X', ['bob', 'carol']], ['Solo', []]]);
	});

	it('/room create refuses unknown users and bad input in one line', async () => {
		await start();
		h.port.knownUsers = new Set(['bob']);
		await command('/room create Team nobody');
		await h.waitForText('unknown user "nobody"');
		await h.press(KEYS.ctrl('u'));
		await command('/room create "Team');
		await h.waitForText('the room name has no closing "');
		await h.press(KEYS.ctrl('u'));
		await command('/room');
		await h.waitForText('usage: /room create <name> [user…]');
		expect(h.port.callsOf('createRoom')).toEqual([]);
	});

	it('/invite /kick /op /rename /topic /leave ask the server for the change of the open room', async () => {
		await openTeam();
		await command('/invite dave erin');
		await h.waitForText('inviting dave, erin…');
		await command('/kick bob');
		await h.waitForText('removing bob…');
		await command('/op carol');
		await h.waitForText('making carol admin…');
		await command('/rename The A Team');
		await h.waitForText('renaming the room to "The A Team"…');
		await command('/topic lunch at 12');
		await h.waitForText('setting the topic…');
		await command('/topic');
		await h.waitForText('clearing the topic…');
		await command('/leave');
		await h.waitForText('leaving the room…');
		expect(h.port.callsOf('changeRoom')).toEqual([
			[ROOM, {action: 'invite', userIds: ['dave', 'erin']}],
			[ROOM, {action: 'kick', userIds: ['bob']}],
			[ROOM, {action: 'op', userIds: ['carol']}],
			[ROOM, {action: 'rename', title: 'The A Team'}],
			[ROOM, {action: 'topic', topic: 'lunch at 12'}],
			[ROOM, {action: 'topic', topic: ''}],
			[ROOM, {action: 'leave'}],
		]);
	});

	it('/mute and /unmute change the room at once; /members opens the overlay', async () => {
		await openTeam();
		await command('/mute');
		await h.waitForText('# Team · 3 members · muted · ship it');
		await command('/unmute');
		await h.waitFor((f) => f.includes('# Team · 3 members · ship it'), 'unmuted');
		expect(h.port.callsOf('changeRoom')).toEqual([
			[ROOM, {action: 'mute'}],
			[ROOM, {action: 'unmute'}],
		]);
		await command('/members');
		await h.waitForText('Members of #Team — 3');
	});

	it('room commands in a direct chat give one clear line and send nothing', async () => {
		await start([bob]);
		await h.press(KEYS.enter);
		await h.waitForText('Bob (bob)');
		for (const line of ['/invite carol', '/kick bob', '/leave', '/rename X', '/topic x', '/mute', '/unmute', '/op bob']) {
			await command(line);
			const name = line.split(' ')[0]!;
			await h.waitForText(`${name} is for rooms — this is a direct chat`);
			await h.press(KEYS.ctrl('u'));
		}
		await command('/kick alice');
		expect(h.port.callsOf('changeRoom')).toEqual([]);
	});

	it('Tab completes the room commands', async () => {
		await openTeam();
		await h.type('/inv');
		await h.press(KEYS.tab);
		await h.waitForText('› /invite ');
		await h.press(KEYS.ctrl('u'));
		await h.type('/unm');
		await h.press(KEYS.tab);
		await h.waitForText('› /unmute ');
		await h.press(KEYS.ctrl('u'));
		await h.type('/ro');
		await h.press(KEYS.tab);
		await h.waitForText('› /room ');
	});
});

describe('help in a small terminal', () => {
	it('at 80×24 still lists every key and every command name (room ones included), nothing drawn over', async () => {
		h = renderApp({size: {columns: 80, rows: 24}});
		await h.press('?');
		const frame = await h.waitForText('Help — Esc or ? closes');
		for (const what of Object.values(KEY_ACTIONS)) expect(frame).toContain(what.slice(0, 18));
		for (const name of commandNames().filter((n) => n !== '/exit')) expect(frame).toMatch(new RegExp(`${name}(\\s|$)`, 'm'));
		expect(frame).toContain('m             members of this room');
	});
});
