// Carries out a room command (/room create, /invite, /kick, /leave, /rename, /topic, /members,
// /mute, /unmute, /op) through the ChatPort. May import core/ only (no Ink).
import type {ChatAction} from '../core/actions.js';
import type {RoomCommand} from '../core/room-commands.js';
import type {ChatState} from '../core/state.js';
import type {ChatPort, RoomChange} from '../core/types.js';

/** What a room command needs from the TUI. */
export interface RoomCommandContext {
	port: ChatPort;
	state: ChatState;
	dispatch: (action: ChatAction) => void;
}

/**
 * Run one room command. The server checks the rights: a refusal comes back later as ✗ on the
 * system line with its reason. Resolves true when the request was made, false when it was
 * refused here (unknown user, the port said no), so the composer gives the text back.
 * Port failures propagate to executeCommand, which turns them into an error notice.
 */
export async function executeRoomCommand(command: RoomCommand, {port, dispatch}: RoomCommandContext): Promise<boolean> {
	const notice = (text: string, level: 'info' | 'error' = 'info'): void => dispatch({type: 'notice', level, text});
	switch (command.kind) {
		case 'members':
			dispatch({type: 'overlay-opened', overlay: {kind: 'members', conversationId: command.conversationId}});
			return true;
		case 'room-create': {
			if (!(await areKnown(port, command.userIds, notice))) return false;
			const id = await port.createRoom(command.title, command.userIds);
			if (id === undefined) return false;
			dispatch({type: 'conversation-opened', conversationId: id, name: command.title});
			notice(`room "${command.title}" created${command.userIds.length > 0 ? ` with ${command.userIds.join(', ')}` : ''}`);
			return true;
		}
		case 'room-change': {
			const {change, conversationId} = command;
			if (change.action === 'invite' && !(await areKnown(port, change.userIds, notice))) return false;
			await port.changeRoom(conversationId, change);
			if (change.action === 'mute' || change.action === 'unmute') {
				dispatch({type: 'conversation-muted', conversationId, isMuted: change.action === 'mute'});
			}
			notice(describeChange(change));
			return true;
		}
	}
}

async function areKnown(port: ChatPort, userIds: readonly string[], notice: (text: string, level: 'error') => void): Promise<boolean> {
	for (const userId of userIds) {
		if (await port.isKnownUser(userId)) continue;
		notice(`unknown user "${userId}" — check the id, or wait until they have been online once`, 'error');
		return false;
	}
	return true;
}

/** The status line after a room change was sent (the system line follows once the server agrees). */
function describeChange(change: RoomChange): string {
	switch (change.action) {
		case 'invite':
			return `inviting ${change.userIds.join(', ')}…`;
		case 'kick':
			return `removing ${change.userIds.join(', ')}…`;
		case 'op':
			return `making ${change.userIds.join(', ')} admin…`;
		case 'leave':
			return 'leaving the room…';
		case 'rename':
			return `renaming the room to "${change.title}"…`;
		case 'topic':
			return change.topic === '' ? 'clearing the topic…' : 'setting the topic…';
		case 'mute':
			return 'muted — no alerts from this room; /unmute to undo';
		case 'unmute':
			return 'unmuted — alerts from this room again';
	}
}
