// What the members overlay and message info list, per member. Pure: imports protocol/ and core/ only.
import {directMembersOf, type PresenceState} from '../protocol/index.js';
import {conversationTitle, kindOf} from './conversation-info.js';
import {formatTime} from './format.js';
import {sanitizeInline} from './sanitize.js';
import type {ChatState} from './state.js';
import type {ChatMessage, MemberRole, Receipt} from './types.js';

/** One row of the members overlay. Text fields are sanitized. */
export interface MemberRow {
	userId: string;
	name: string;
	role: MemberRole;
	presence: PresenceState;
	/** `away: lunch`, `last seen 09:12`, or ''. */
	detail: string;
	isMuted: boolean;
	isMe: boolean;
}

/**
 * The members of a conversation as loaded (`members-loaded`), admins first, then by name; a
 * direct chat not loaded yet shows its two users. Undefined while a room's members are loading.
 */
export function memberRows(state: ChatState, conversationId: string): MemberRow[] | undefined {
	const loaded = state.members[conversationId];
	const pair = directMembersOf(conversationId);
	const members = loaded ?? pair?.map((userId) => ({userId, name: userId === state.me.userId ? state.me.name : conversationTitle(state, conversationId), role: 'member' as const, isMuted: false}));
	if (!members) return undefined;
	const rows = members.map((m): MemberRow => {
		const isMe = m.userId === state.me.userId;
		const presence = state.presence[m.userId];
		const presenceState: PresenceState = isMe ? 'online' : (presence?.state ?? 'offline');
		const detail =
			presenceState === 'offline'
				? presence && presence.at > 0
					? `last seen ${formatTime(presence.at, state.now, state.timeZone)}`
					: ''
				: sanitizeInline(presence?.statusMessage ?? '');
		return {userId: sanitizeInline(m.userId), name: sanitizeInline(presence?.name ?? m.name), role: m.role, presence: presenceState, detail, isMuted: m.isMuted, isMe};
	});
	return rows.sort((a, b) => (a.role === b.role ? a.name.localeCompare(b.name) : a.role === 'admin' ? -1 : 1));
}

/** One recipient line of message info: first delivered and read times in ms. */
export interface RecipientRow {
	userId: string;
	/** Sanitized display name ('' when unknown). */
	name: string;
	delivered?: number;
	read?: number;
}

/**
 * Per member delivered/read times of one of my messages: every current member other than me
 * (the loaded members; a direct chat's peer) — with `—` times until they have it — plus anyone
 * else a receipt names (a member who left since). Times are the earliest of the loaded receipts
 * (`messageInfo`) and live ones.
 */
export function recipientRows(state: ChatState, message: ChatMessage, receipts: readonly Receipt[]): RecipientRow[] {
	const rows = new Map<string, RecipientRow>();
	const members = state.members[message.conversationId];
	if (kindOf(message.conversationId) !== 'broadcast') {
		const names = members?.map((m) => [m.userId, m.name] as const) ?? directMembersOf(message.conversationId)?.map((id) => [id, conversationTitle(state, message.conversationId)] as const) ?? [];
		for (const [userId, name] of names) if (userId !== state.me.userId) rows.set(userId, {userId, name: sanitizeInline(name)});
	}
	const live = state.receipts[message.messageId] ?? {};
	const all: {userId: string; status: 'delivered' | 'read'; at: number}[] = [];
	for (const r of receipts) if ((r.status === 'delivered' || r.status === 'read') && r.userId !== state.me.userId) all.push({userId: r.userId, status: r.status, at: r.at});
	for (const [userId, r] of Object.entries(live)) {
		if (r.delivered !== undefined) all.push({userId, status: 'delivered', at: r.delivered});
		if (r.read !== undefined) all.push({userId, status: 'read', at: r.read});
	}
	for (const r of all) {
		const row = rows.get(r.userId) ?? {userId: r.userId, name: sanitizeInline(state.presence[r.userId]?.name ?? state.knownUsers[r.userId] ?? '')};
		if (row[r.status] === undefined || r.at < row[r.status]!) row[r.status] = r.at;
		rows.set(r.userId, row);
	}
	return [...rows.values()].map((row) => (row.userId === sanitizeInline(row.userId) ? row : {...row, userId: sanitizeInline(row.userId)}));
}
