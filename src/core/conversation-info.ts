// What the core knows of a conversation beyond its messages: kind, display title, default summary.
// Pure: imports protocol/ and core/ only.
import {BROADCAST_ID, conversationKindOf, peerOf} from '../protocol/index.js';
import type {ChatState} from './state.js';
import type {ChatMessage, ConversationKind, ConversationSummary} from './types.js';

/** The kind of a conversation id; ids the protocol does not know (e.g. `me:me`) count as direct. */
export function kindOf(conversationId: string): ConversationKind {
	return conversationKindOf(conversationId) ?? 'direct';
}

/** The other user of a direct conversation (undefined for rooms and the broadcast). */
export function directPeerOf(state: ChatState, conversationId: string): string | undefined {
	return kindOf(conversationId) === 'direct' ? peerOf(conversationId, state.me.userId) : undefined;
}

/**
 * What the list and header call a conversation (untrusted, unsanitized): `everyone` for the
 * broadcast; for a direct chat the peer's presence name, else the loaded title, else a name the
 * switcher found, else the id; for a room its title (its id until one is known).
 */
export function conversationTitle(state: ChatState, conversationId: string): string {
	const kind = kindOf(conversationId);
	if (kind === 'broadcast') return 'everyone';
	const summary = state.conversations[conversationId];
	if (kind === 'group') return summary?.title || conversationId;
	const peerId = peerOf(conversationId, state.me.userId);
	return state.presence[peerId]?.name ?? (summary?.title || undefined) ?? state.knownUsers[peerId] ?? peerId;
}

/**
 * The summary of a conversation not loaded from Postgres yet (opened by hand, or first seen in a
 * live message): a direct chat has two members, a room takes its title from a system message's
 * event when one is given.
 */
export function newSummary(state: ChatState, conversationId: string, hint: {name?: string; message?: ChatMessage} = {}): ConversationSummary {
	const kind = kindOf(conversationId);
	const base = {conversationId, kind, topic: '', isMuted: false, unread: 0, lastActivityAt: 0};
	if (kind === 'broadcast') return {...base, title: 'everyone', memberCount: 0};
	if (kind === 'group') {
		const event = hint.message?.event;
		return {...base, title: event?.title ?? hint.name ?? conversationId, topic: event?.topic ?? '', memberCount: 0};
	}
	const peerId = peerOf(conversationId, state.me.userId);
	const fromPeer = hint.message?.senderId === peerId ? hint.message.senderName : undefined;
	const title = hint.name ?? fromPeer ?? state.presence[peerId]?.name ?? state.knownUsers[peerId] ?? peerId;
	return {...base, title, peerId, memberCount: 2};
}

/** Whether messages in this conversation go to everyone (the `all` broadcast). */
export function isBroadcast(conversationId: string | undefined): boolean {
	return conversationId === BROADCAST_ID;
}
