// Edits, deletions and reactions (issue 10): merged by version, a delete is final, reactions toggle.
import {describe, expect, it} from 'vitest';
import {fakeMessage} from '../../test/helpers/fake-port.js';
import {quoteLine} from './message-decor.js';
import {chatReducer} from './reducer.js';
import {initialState, type ChatState} from './state.js';
import type {ChatAction} from './actions.js';
import type {ChatMessage, MessageChange} from './types.js';

const me = {userId: 'alice', name: 'Alice'};
const original = fakeMessage('bob', 'alice', 'first text', {id: 'm1', seq: 1});
const conversationId = original.conversationId;
const edit = (version: number, content: string): MessageChange => ({kind: 'edit', conversationId, messageId: 'm1', senderId: 'bob', content, version, editedAt: 1000 + version});
const del: MessageChange = {kind: 'delete', conversationId, messageId: 'm1', senderId: 'bob', deletedBy: 'bob', deletedAt: 5000};
const react = (emoji: string, userId: string, isOn: boolean): MessageChange => ({kind: 'reaction', conversationId, messageId: 'm1', senderId: 'bob', emoji, userId, isOn, at: 1});

function run(...actions: ChatAction[]): ChatState {
	return actions.reduce(chatReducer, initialState(me));
}
const loaded = (...messages: ChatMessage[]): ChatAction => ({type: 'history-loaded', conversationId, messages, mode: 'latest', hasMore: false});
const changed = (...changes: MessageChange[]): ChatAction => ({type: 'messages-changed', changes});
const m1 = (state: ChatState): ChatMessage => state.threads[conversationId]!.messages.find((m) => m.messageId === 'm1')!;

describe('messages-changed: edits', () => {
	it('applies a newer version and marks it edited', () => {
		const state = run(loaded(original), changed(edit(1, 'second text')));
		expect(m1(state)).toMatchObject({content: 'second text', version: 1, editedAt: 1001});
	});

	it('ignores a stale or repeated edit', () => {
		const state = run(loaded(original), changed(edit(2, 'v2'), edit(1, 'v1'), edit(2, 'v2 again')));
		expect(m1(state)).toMatchObject({content: 'v2', version: 2});
		expect(chatReducer(state, changed(edit(2, 'v2')))).toBe(state);
	});

	it('keeps a live edit against an older stored copy from a later history page', () => {
		const state = run(loaded(original), changed(edit(1, 'edited live')), loaded({...original, content: 'first text'}));
		expect(m1(state)).toMatchObject({content: 'edited live', version: 1});
	});

	it('keeps a live edit against a late live copy of the original', () => {
		const late = {...original, seq: undefined} as ChatMessage;
		delete late.seq;
		const state = run(loaded(original), changed(edit(1, 'edited live')), {type: 'messages-received', messages: [late]});
		expect(m1(state).content).toBe('edited live');
	});

	it('takes a stored copy with a higher version', () => {
		const state = run(loaded(original), changed(edit(1, 'v1')), loaded({...original, content: 'v3', version: 3, editedAt: 3}));
		expect(m1(state)).toMatchObject({content: 'v3', version: 3});
	});

	it("ignores another sender's change under the same message id", () => {
		const state = run(loaded(original));
		expect(chatReducer(state, changed({...edit(1, 'forged'), senderId: 'mallory'}))).toBe(state);
	});

	it("updates the list's preview when the last message is edited or deleted", () => {
		const withSummary = run(
			{type: 'conversations-loaded', conversations: [{conversationId, kind: 'direct', peerId: 'bob', title: 'Bob', topic: '', memberCount: 2, isMuted: false, unread: 0, lastActivityAt: original.createdAt, lastMessage: {messageId: 'm1', senderId: 'bob', senderName: 'Bob', content: 'first text', createdAt: original.createdAt, messageType: 'text'}}]},
		);
		const edited = chatReducer(withSummary, changed(edit(1, 'new words')));
		expect(edited.conversations[conversationId]!.lastMessage!.content).toBe('new words');
		expect(chatReducer(edited, changed(del)).conversations[conversationId]!.lastMessage!.content).toBe('message deleted');
	});
});

describe('messages-changed: the quote of a reply whose original is not loaded', () => {
	// The reply is on screen, the original (m1) is on an older page: the quote shows the reply's preview.
	const reply: ChatMessage = {...fakeMessage('alice', 'bob', 'my answer', {id: 'r1', seq: 70}), replyTo: {messageId: 'm1', senderId: 'bob', senderName: 'Bob', preview: 'first text', seq: 1}};
	const quote = (state: ChatState) => quoteLine(state.threads[conversationId]!.messages.find((m) => m.messageId === 'r1')!, state.threads[conversationId]!.messages, 80);

	it('shows the edited text; a stale edit does not bring the older text back', () => {
		const edited = run(loaded(reply), changed(edit(2, 'second text')));
		expect(quote(edited)).toBe('↳ Bob: second text');
		expect(quote(chatReducer(edited, changed(edit(1, 'older text'))))).toBe('↳ Bob: second text');
		expect(quote(run(loaded(reply), changed({...edit(1, 'x'.repeat(150)), senderId: 'mallory'})))).toBe('↳ Bob: first text');
		expect(run(loaded(reply), changed(edit(1, '😀'.repeat(150)))).threads[conversationId]!.messages[0]!.replyTo!.preview).toBe('😀'.repeat(100));
	});
	it('a stale stored copy of the reply never brings the older quote back; a stored deleted quote wins', () => {
		const pageWith = (replyTo: ChatMessage['replyTo']): ChatAction => loaded({...reply, replyTo});
		const edited = run(loaded(reply), changed(edit(2, 'second text')));
		expect(quote(chatReducer(edited, pageWith({...reply.replyTo!, preview: 'older text', version: 1})))).toBe('↳ Bob: second text');
		expect(quote(chatReducer(edited, pageWith({...reply.replyTo!, preview: 'third text', version: 3})))).toBe('↳ Bob: third text');
		const {preview: _gone, ...deletedRef} = reply.replyTo!;
		expect(quote(chatReducer(edited, pageWith({...deletedRef, version: 2, isDeleted: true})))).toBe('↳ Bob: message deleted');
	});
	it('shows the placeholder once the original is deleted, and no later edit revives it', () => {
		expect(quote(run(loaded(reply), changed(edit(1, 'second text'), del, edit(2, 'resurrected'))))).toBe('↳ Bob: message deleted');
	});
});

describe('messages-changed: deletes', () => {
	it('empties the text, drops reactions, and is final', () => {
		const state = run(loaded(original), changed(react('👍', 'carol', true), del, edit(5, 'resurrected'), react('🎉', 'dave', true)));
		expect(m1(state)).toMatchObject({content: '', deletedAt: 5000, deletedBy: 'bob'});
		expect(m1(state).reactions).toBeUndefined();
		expect(m1(state).version ?? 0).toBe(0);
	});

	it('wins over an edited stored copy that arrives later', () => {
		const state = run(loaded(original), changed(del), loaded({...original, content: 'edited', version: 4, editedAt: 4}));
		expect(m1(state)).toMatchObject({content: '', deletedAt: 5000});
	});

	it('a stored deleted copy wins over a live edit', () => {
		const state = run(loaded(original), changed(edit(1, 'v1')), loaded({...original, content: '', deletedAt: 7, deletedBy: 'bob'}));
		expect(m1(state)).toMatchObject({content: '', deletedAt: 7});
	});
});

describe('messages-changed: reactions', () => {
	it('toggles per (emoji, user), idempotently', () => {
		let state = run(loaded(original), changed(react('👍', 'carol', true), react('👍', 'carol', true), react('👍', 'alice', true), react('🎉', 'bob', true)));
		expect(m1(state).reactions).toEqual({'👍': ['carol', 'alice'], '🎉': ['bob']});
		state = chatReducer(state, changed(react('👍', 'carol', false), react('👍', 'carol', false), react('🎉', 'bob', false)));
		expect(m1(state).reactions).toEqual({'👍': ['alice']});
		expect(chatReducer(state, changed(react('🎉', 'bob', false)))).toBe(state);
	});

	it('keeps reactions when a live copy without them arrives', () => {
		const live = {...original} as ChatMessage;
		delete live.seq;
		const state = run(loaded(original), changed(react('👍', 'carol', true)), {type: 'messages-received', messages: [live]});
		expect(m1(state).reactions).toEqual({'👍': ['carol']});
	});
});

describe('history-loaded around', () => {
	it('replaces the thread, marks the gap, selects the focus message and gives the thread the keys', () => {
		const page = Array.from({length: 9}, (_, i) => fakeMessage(i % 2 ? 'bob' : 'alice', i % 2 ? 'alice' : 'bob', `msg ${i}`, {id: `p${i}`, seq: 100 + i, at: i}));
		const newest = fakeMessage('bob', 'alice', 'newest', {id: 'new', seq: 500, at: 30});
		let state = run({type: 'conversation-opened', conversationId}, loaded(newest));
		state = chatReducer(state, {type: 'history-loaded', conversationId, messages: page, mode: 'around', hasMore: true, hasNewer: true, focusSeq: 104});
		const thread = state.threads[conversationId]!;
		expect(thread.messages.map((m) => m.messageId)).toEqual(page.map((m) => m.messageId));
		expect(thread.gapAfterMessageId).toBe('p8');
		expect(state.selectedMessageId).toBe('p4');
		expect(state.focus).toBe('thread');
		// End goes back to the present, as after /history --before.
		const end = chatReducer(state, {type: 'thread-scrolled', by: -Infinity});
		expect(end.threads[conversationId]!.isLoadingLatest).toBe(true);
	});
});

describe('search and away answers', () => {
	const hit = (seq: number, minute: number) => ({conversationId, conversationTitle: 'Bob', messageId: `h${seq}`, senderId: 'bob', senderName: 'Bob', seq, createdAt: Date.UTC(2026, 10, 22, 10, minute), snippet: 'x', matches: []});
	it('keeps the hits of the search shown newest first, and ignores an answer to an older line', () => {
		let state = run({type: 'search-requested', text: 'x'});
		expect(state.overlay).toMatchObject({kind: 'search', isLoading: true, searched: 'x'});
		expect(chatReducer(state, {type: 'search-loaded', text: 'older line', hits: [hit(1, 1)]})).toBe(state);
		state = chatReducer(state, {type: 'search-loaded', text: 'x', hits: [hit(1, 1), hit(3, 3), hit(2, 2)]});
		expect(state.overlay?.kind === 'search' && state.overlay.hits?.map((h) => h.seq)).toEqual([3, 2, 1]);
		expect(state.overlay).not.toHaveProperty('isLoading');
	});
	it('puts conversations with mentions first in the away overlay, and not over an open conversation', () => {
		const entry = (id: string, mentions: number) => ({conversationId: id, title: id, kind: 'direct' as const, unread: 1, mentions, senders: [], firstUnread: {seq: 1, messageId: 'm', senderId: 'x', senderName: 'X', content: '', createdAt: 0}});
		const state = run({type: 'away-loaded', entries: [entry('alice:bob', 0), entry('alice:carol', 2)]});
		expect(state.overlay?.kind === 'away' && state.overlay.entries.map((e) => e.conversationId)).toEqual(['alice:carol', 'alice:bob']);
		expect(state.unreadMentions).toEqual({'alice:carol': 2});
		const busy = run({type: 'conversation-opened', conversationId}, {type: 'away-loaded', entries: [entry('alice:carol', 1)]});
		expect(busy.overlay).toBeUndefined();
	});
});
