// Room commands as "input string → command" (iamb style), without rendering.
import {describe, expect, it} from 'vitest';
import {parseCommand} from './commands.js';
import {chatReducer} from './reducer.js';
import {initialState} from './state.js';

const me = {userId: 'alice', name: 'Alice'};
const none = initialState(me, {timeZone: 'UTC'});
const inRoom = chatReducer(none, {type: 'conversation-opened', conversationId: 'room-1', name: 'Team'});
const inDirect = chatReducer(none, {type: 'conversation-opened', conversationId: 'alice:bob'});
const inBroadcast = chatReducer(none, {type: 'conversation-opened', conversationId: 'all'});
const parse = (line: string, state = inRoom) => parseCommand(line, state);
const ok = (line: string, state = inRoom) => {
	const parsed = parse(line, state);
	if (!parsed.ok) throw new Error(parsed.error);
	return parsed.command;
};
const error = (line: string, state = inRoom): string => {
	const parsed = parse(line, state);
	if (parsed.ok) throw new Error(`parsed: ${JSON.stringify(parsed.command)}`);
	return parsed.error;
};

describe('/room create', () => {
	it('takes a one-word or quoted name and user ids (me and repeats left out), from anywhere', () => {
		expect(ok('/room create Team bob carol', none)).toEqual({kind: 'room-create', title: 'Team', userIds: ['bob', 'carol']});
		expect(ok('/room create "Team X" bob bob alice', inDirect)).toEqual({kind: 'room-create', title: 'Team X', userIds: ['bob']});
		expect(ok('/ROOM create Solo')).toEqual({kind: 'room-create', title: 'Solo', userIds: []});
	});

	it('refuses a missing or unclosed name, bad ids and long titles in one line', () => {
		expect(error('/room')).toMatch(/^usage: \/room create <name> \[user…\]/);
		expect(error('/room make Team')).toMatch(/^usage:/);
		expect(error('/room create "Team bob')).toMatch(/no closing "/);
		expect(error('/room create "" bob')).toMatch(/^usage:/);
		expect(error('/room create Team bob:x')).toBe('"bob:x" is not a user id (1-64 of A-Z a-z 0-9 _ . -)');
		expect(error('/room create Team all')).toMatch(/"all" is not a user id/);
		expect(error(`/room create "${'x'.repeat(101)}"`)).toBe('a room title has at most 100 characters');
	});
});

describe('changes of the open room', () => {
	it('parses each command into the RoomChange the port takes', () => {
		const change = (line: string) => {
			const command = ok(line);
			return command.kind === 'room-change' ? [command.conversationId, command.change] : command;
		};
		expect(change('/invite bob carol bob')).toEqual(['room-1', {action: 'invite', userIds: ['bob', 'carol']}]);
		expect(change('/kick bob')).toEqual(['room-1', {action: 'kick', userIds: ['bob']}]);
		expect(change('/op carol')).toEqual(['room-1', {action: 'op', userIds: ['carol']}]);
		expect(change('/leave')).toEqual(['room-1', {action: 'leave'}]);
		expect(change('/mute')).toEqual(['room-1', {action: 'mute'}]);
		expect(change('/unmute')).toEqual(['room-1', {action: 'unmute'}]);
		expect(change('/rename  The "A" Team ')).toEqual(['room-1', {action: 'rename', title: 'The "A" Team'}]);
		expect(change('/rename "Quoted"')).toEqual(['room-1', {action: 'rename', title: 'Quoted'}]);
		expect(change('/topic lunch at 12')).toEqual(['room-1', {action: 'topic', topic: 'lunch at 12'}]);
		expect(change('/topic')).toEqual(['room-1', {action: 'topic', topic: ''}]);
		expect(ok('/members')).toEqual({kind: 'members', conversationId: 'room-1'});
	});

	it('refuses bad arguments in one line', () => {
		expect(error('/invite')).toBe('usage: /invite <user…>');
		expect(error('/kick')).toBe('usage: /kick <user>');
		expect(error('/kick bob carol')).toBe('usage: /kick <user>');
		expect(error('/kick alice')).toBe('you cannot kick yourself — use /leave');
		expect(error('/op b@d')).toMatch(/"b@d" is not a user id/);
		expect(error('/leave now')).toBe('usage: /leave (no arguments)');
		expect(error('/rename')).toBe('usage: /rename <title>');
		expect(error(`/topic ${'t'.repeat(501)}`)).toBe('a topic has at most 500 characters');
		expect(error(`/invite ${Array.from({length: 51}, (_, i) => `u${i}`).join(' ')}`)).toBe('at most 50 people at once');
	});

	it('says in one line that room commands need a room (direct chat, broadcast, nothing open)', () => {
		for (const name of ['invite bob', 'kick bob', 'leave', 'rename X', 'topic x', 'mute', 'unmute', 'op bob']) {
			expect(error(`/${name}`, inDirect)).toMatch(/^\/\w+ is for rooms — this is a direct chat; open a room, or make one with \/room create/);
			expect(error(`/${name}`, inBroadcast)).toMatch(/is for rooms — this is the broadcast/);
			expect(error(`/${name}`, none)).toMatch(/is for rooms — no conversation is open/);
		}
		expect(ok('/members', inDirect)).toEqual({kind: 'members', conversationId: 'alice:bob'});
		expect(error('/members', inBroadcast)).toMatch(/everyone reads the broadcast/);
		expect(error('/members', none)).toMatch(/no conversation open/);
	});
});
