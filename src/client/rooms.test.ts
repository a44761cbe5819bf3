// Room actions: checks, payloads (valid protocol 2 `room`), and what the client knows of its membership.
import {describe, expect, it} from 'vitest';
import {encodeV2} from '../protocol/index.js';
import type {ChatMessage, ConversationSummary, RoomChange} from '../core/types.js';
import {changeRoomPayload, createRoomPayload, newRoomId, refuseRoomChange, refuseTitle, RoomMembership} from './rooms.js';

const me = {userId: 'alice', name: 'Alice'};
const at = new Date('2026-11-22T10:00:00.000Z');
const system = (conversationId: string, senderId: string, action: 'kick' | 'leave' | 'invite', userIds: string[]): ChatMessage => ({
	messageId: `s-${action}`, messageType: 'system', event: {action, userIds}, senderId, senderName: senderId, receiverId: conversationId,
	conversationId, content: `${senderId} ${action}`, createdAt: 1, status: 'sent',
});
const room = (conversationId: string) => ({conversationId, kind: 'group'}) as ConversationSummary;

describe('room actions', () => {
	it('creates room ids room-<uuid> and encodable create payloads without me or repeats', () => {
		const id = newRoomId();
		expect(id).toMatch(/^room-[0-9a-f-]{36}$/);
		const payload = createRoomPayload(me, id, '  Ops  ', ['bob', 'alice', 'bob'], 'm-1', at);
		expect(payload).toMatchObject({v: 2, type: 'room', action: 'create', title: 'Ops', user_ids: ['bob'], conversation_id: id, sender_id: 'alice'});
		expect(() => encodeV2(payload)).not.toThrow();
		const changes: RoomChange[] = [{action: 'kick', userIds: ['bob']}, {action: 'topic', topic: ''}, {action: 'leave'}, {action: 'rename', title: 'New'}];
		for (const change of changes) {
			expect(() => encodeV2(changeRoomPayload(me, id, change, 'm-2', at))).not.toThrow();
		}
	});

	it('refuses bad titles, users and non-room conversations in one line', () => {
		expect(refuseTitle('  ')).toMatch(/needs a name/);
		expect(refuseTitle('x'.repeat(101))).toMatch(/limit is 100/);
		expect(refuseRoomChange('alice:bob', {action: 'leave'})).toMatch(/not a room/);
		expect(refuseRoomChange('room-1', {action: 'kick', userIds: []})).toBe('name at least one user');
		expect(refuseRoomChange('room-1', {action: 'invite', userIds: ['no one']})).toMatch(/is not a user id/);
		expect(refuseRoomChange('room-1', {action: 'mute'})).toBeUndefined();
	});

	it('knows I left a room from my leave, a kick naming me, or the list; an invite brings me back', () => {
		const rooms = new RoomMembership('alice');
		rooms.noteConversations([room('room-a'), room('room-b'), room('room-c')]);
		expect(rooms.noteSystemMessage(system('room-a', 'bob', 'kick', ['alice']))).toBe('left');
		expect(rooms.noteSystemMessage(system('room-b', 'alice', 'leave', []))).toBe('left');
		expect(rooms.noteSystemMessage(system('room-c', 'bob', 'kick', ['carol']))).toBeUndefined();
		expect([rooms.hasLeft('room-a'), rooms.hasLeft('room-b'), rooms.hasLeft('room-c')]).toEqual([true, true, false]);
		rooms.noteConversations([]);
		expect(rooms.hasLeft('room-c')).toBe(true);
		expect(rooms.noteSystemMessage(system('room-a', 'bob', 'invite', ['alice']))).toBe('joined');
		expect(rooms.hasLeft('room-a')).toBe(false);
	});

	it('takes no room as left from a page of the list, and every room missing from a whole walk by pages as left', () => {
		const rooms = new RoomMembership('alice');
		rooms.noteConversations([room('r-1'), room('r-2')], {hasMore: true});
		rooms.noteConversations([room('r-1')], {hasMore: true});
		expect(rooms.hasLeft('r-2')).toBe(false);
		rooms.noteConversations([room('r-3')], {memberOf: ['r-1', 'r-3']});
		expect([rooms.hasLeft('r-1'), rooms.hasLeft('r-2'), rooms.hasLeft('r-3')]).toEqual([false, true, false]);
	});

	it('keeps a room joined here while a walk that began before the join ends without it; once listed, a later list without it means left', () => {
		const rooms = new RoomMembership('alice');
		rooms.noteJoined('lunch');
		rooms.noteConversations([room('r-1')], {memberOf: ['r-1']});
		expect(rooms.hasLeft('lunch')).toBe(false);
		rooms.noteConversations([room('r-1'), room('lunch')], {memberOf: ['r-1', 'lunch']});
		rooms.noteConversations([room('r-1')], {memberOf: ['r-1']});
		expect(rooms.hasLeft('lunch')).toBe(true);
	});
});
