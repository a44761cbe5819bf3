// Per-member receipts (WhatsApp rules): my message is ✓ when stored, ✓✓ when every current member
// other than me has it, read when every such member has read it. Pure: imports protocol/ and core/ only.
import {kindOf} from './conversation-info.js';
import {furthestStatus} from './merge.js';
import type {ChatState, MemberReceipt} from './state.js';
import type {ChatMessage, LocalStatus, Member, Receipt} from './types.js';

/**
 * Record delivered/read receipts about my messages (`messageIds` known to the state) per member:
 * the earliest time of each kind is kept; `read` implies delivered. Returns the same map when
 * nothing changed.
 */
export function recordReceipts(
	state: ChatState,
	receipts: readonly Receipt[],
): ChatState['receipts'] {
	let next: Record<string, Readonly<Record<string, MemberReceipt>>> | undefined;
	for (const r of receipts) {
		if (r.status !== 'delivered' && r.status !== 'read') continue;
		if (r.userId === state.me.userId || state.messageIndex[r.messageId] === undefined) continue;
		// Only receipts about my messages count (a message is (sender, id); protocol 1 receipts have no sender).
		if (r.senderId !== undefined && r.senderId !== state.me.userId) continue;
		const byMember = (next ?? state.receipts)[r.messageId] ?? {};
		const known = byMember[r.userId] ?? {};
		const updated: MemberReceipt = {...known};
		if (known[r.status] === undefined || r.at < known[r.status]!) updated[r.status] = r.at;
		if (r.status === 'read' && (known.delivered === undefined || r.at < known.delivered)) updated.delivered = r.at;
		if (updated.delivered === known.delivered && updated.read === known.read) continue;
		next ??= {...state.receipts};
		next[r.messageId] = {...byMember, [r.userId]: updated};
	}
	return next ?? state.receipts;
}

/** What one member has done with a message: read (receipt or read marker past its seq), delivered, or nothing. */
function memberState(member: Member, receipt: MemberReceipt | undefined, seq: number | undefined): 'read' | 'delivered' | 'none' {
	if (receipt?.read !== undefined || (seq !== undefined && member.lastReadSeq >= seq)) return 'read';
	return receipt?.delivered !== undefined ? 'delivered' : 'none';
}

/**
 * The tick of a message: for my messages in a room or a direct chat, the aggregate over the
 * current members other than me (the loaded `members`; a direct chat without loaded members
 * has its peer) joined with the message's own status, which never goes backwards; everything
 * else (others' messages, the broadcast, pending or rejected ones) shows its own status.
 */
export function tickOf(state: ChatState, message: ChatMessage): LocalStatus {
	const status = message.status;
	if (message.senderId !== state.me.userId || status === 'pending' || status === 'rejected') return status;
	const kind = kindOf(message.conversationId);
	if (kind === 'broadcast') return status;
	const members = state.members[message.conversationId];
	const others = (members ?? []).filter((m) => m.userId !== state.me.userId);
	if (others.length === 0) return status;
	const receipts = state.receipts[message.messageId] ?? {};
	let isAllRead = true;
	let isAllDelivered = true;
	for (const member of others) {
		const s = memberState(member, receipts[member.userId], message.seq);
		if (s !== 'read') isAllRead = false;
		if (s === 'none') isAllDelivered = false;
	}
	if (!isAllDelivered) return status;
	// Every member's receipt proves the message was stored, even before its ✓ arrived.
	return furthestStatus(status, isAllRead ? 'read' : 'delivered');
}

/**
 * Whether a live receipt may move the message's own status (the one shown without members):
 * in a direct chat and the broadcast one receipt is enough, as in protocol 1; in a room only the
 * aggregate of {@link tickOf} may show ✓✓.
 */
export function isSingleRecipient(conversationId: string): boolean {
	return kindOf(conversationId) !== 'group';
}
