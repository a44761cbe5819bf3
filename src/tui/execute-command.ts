// Carries out a parsed composer command through the ChatPort and the reducer.
// May import core/ only (no Ink): I/O goes through the port, results through dispatch.
import type {ChatAction} from '../core/actions.js';
import type {Command} from '../core/commands.js';
import {formatTimestamp} from '../core/format.js';
import {conversationWith} from '../core/selectors.js';
import {HISTORY_PAGE, type ChatState} from '../core/state.js';
import {executeRoomCommand} from './execute-room-command.js';
import type {ChatPort} from '../core/types.js';

/** What a command needs from the TUI. */
export interface CommandContext {
	port: ChatPort;
	state: ChatState;
	dispatch: (action: ChatAction) => void;
	/** `/editor`: open the external editor on this text (absent: the command says it cannot). */
	openEditor?: (text: string) => void;
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Run one command. Never throws: failures become an error notice.
 * @returns a promise that settles when the port requests are done: true when the command
 *   was carried out, false when it was refused (unknown user, the port failed), so the
 *   composer can give the text back.
 */
export async function executeCommand(command: Command, {port, state, dispatch, openEditor}: CommandContext): Promise<boolean> {
	const notice = (text: string, level: 'info' | 'error' = 'info'): void => dispatch({type: 'notice', level, text});
	try {
		switch (command.kind) {
			case 'say':
				dispatch({type: 'message-submitted', conversationId: command.conversationId});
				if (command.replyTo) {
					const {messageId, senderId} = command.replyTo;
					await port.sendMessage(command.conversationId, command.text, {replyTo: {messageId, senderId}});
					dispatch({type: 'compose-ended'});
				} else {
					await port.sendMessage(command.conversationId, command.text);
				}
				return true;
			case 'edit':
				await port.editMessage(command.target.conversationId, command.target.messageId, command.text);
				dispatch({type: 'compose-ended'});
				notice('edit sent');
				return true;
			case 'delete':
				dispatch({type: 'overlay-opened', overlay: {kind: 'confirm-delete', target: command.target}});
				return true;
			case 'react':
				dispatch({type: 'reaction-toggled', target: command.target, emoji: command.emoji});
				return true;
			case 'search':
				dispatch({type: 'search-requested', text: command.text});
				return true;
			case 'send': {
				if (command.to !== 'all' && !(await port.isKnownUser(command.to))) {
					notice(`unknown user "${command.to}" — check the id, or wait until they have been online once`, 'error');
					return false;
				}
				const conversationId = conversationWith(state, command.to);
				dispatch({type: 'message-submitted', conversationId});
				await port.sendMessage(conversationId, command.text);
				notice(`sent to ${command.to}`);
				return true;
			}
			case 'broadcast':
				dispatch({type: 'message-submitted', conversationId: 'all'});
				await port.sendMessage('all', command.text);
				return true;
			case 'history':
				if (state.openConversationId) await port.loadLatest(state.openConversationId, command.limit);
				return true;
			case 'history-before':
				if (state.openConversationId) await port.loadBefore(state.openConversationId, command.before, HISTORY_PAGE);
				notice(`messages before ${formatTimestamp(command.before.getTime(), state.timeZone).slice(0, 16)} — End returns to now`);
				return true;
			case 'status':
				dispatch({type: 'overlay-opened', overlay: {kind: 'status'}});
				return true;
			case 'typing':
				port.sendTyping(conversationWith(state, command.to), true);
				notice(`told ${command.to} you are typing`);
				return true;
			case 'open': {
				if (command.to !== 'all' && command.to !== state.me.userId && !(await port.isKnownUser(command.to))) {
					// A room (or id) further down a partial list than what is loaded.
					const found = state.hasMoreConversations ? await port.findConversation(command.to) : undefined;
					if (found) {
						dispatch({type: 'conversation-opened', conversationId: found});
						return true;
					}
					notice(`unknown user "${command.to}" — check the id, or wait until they have been online once`, 'error');
					return false;
				}
				dispatch({type: 'conversation-opened', conversationId: conversationWith(state, command.to)});
				return true;
			}
			case 'open-named': {
				const found = await port.findConversation(command.name);
				if (!found) {
					notice(`no room named "${command.name}" — /open <user|room>, or Ctrl+K to search`, 'error');
					return false;
				}
				dispatch({type: 'conversation-opened', conversationId: found});
				return true;
			}
			case 'open-conversation':
				dispatch({type: 'conversation-opened', conversationId: command.conversationId});
				return true;
			case 'presence':
				port.setPresence(command.state, command.message || undefined);
				notice(`you are ${command.state}${command.message ? `: ${command.message}` : ''}`);
				return true;
			case 'info':
				dispatch({type: 'overlay-opened', overlay: {kind: 'info', messageId: command.messageId}});
				return true;
			case 'notify': {
				const conversationId = command.scope === 'conversation' ? state.openConversationId : undefined;
				dispatch({type: 'notify-configured', mode: command.mode, ...(conversationId ? {conversationId} : {})});
				notice(`notifications ${command.mode}${conversationId ? ' for this conversation' : ' everywhere'}`);
				return true;
			}
			case 'help':
				dispatch({type: 'overlay-opened', overlay: {kind: 'help'}});
				return true;
			case 'editor':
				if (openEditor) openEditor(command.text);
				else notice('no external editor here — set $VISUAL or $EDITOR and run the chat in a terminal', 'error');
				return openEditor !== undefined;
			case 'quit':
				dispatch({type: 'quit-requested'});
				return true;
			case 'room-create':
			case 'room-change':
			case 'members':
				return await executeRoomCommand(command, {port, state, dispatch});
		}
	} catch (error) {
		notice(`${command.kind} failed: ${errorText(error)}`, 'error');
		return false;
	}
	return true;
}
