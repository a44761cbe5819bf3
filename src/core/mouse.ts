// Mouse reports → chat actions: the wheel scrolls the thread, a click opens a conversation.
// Pure: imports core/ only.
import type {ChatAction} from './actions.js';
import type {MouseEvent} from './input-filter.js';
import {calculateLayout, LIST_ENTRY_ROWS, listWindow} from './layout.js';
import {conversationRows} from './selectors.js';
import type {ChatState} from './state.js';

/** Rows the wheel scrolls the thread per notch (as most terminals' own scrollback). */
export const WHEEL_ROWS = 3;

/**
 * The action for a mouse event on the chat screen, or undefined. The wheel scrolls the
 * thread wherever the pointer is (the list fits the screen or follows the selection); a left click on a conversation in the
 * list opens it, on the thread or composer moves the focus there. Overlays take no mouse
 * input. Positions are 1-based cells as SGR reports them; the list box starts at row 1
 * with its border, so entry `i` of the visible window spans rows 2 + i·2 … 3 + i·2.
 */
export function mouseToAction(event: MouseEvent, state: ChatState): ChatAction | undefined {
	if (state.overlay) return undefined;
	const layout = calculateLayout(state.viewport.columns, state.viewport.rows);
	const isInList = event.x <= layout.listWidth;
	const isOnScreen = event.y <= layout.height - 1;
	if (!isOnScreen) return undefined;
	if (event.action !== 'press') return {type: 'thread-scrolled', by: event.action === 'wheel-up' ? WHEEL_ROWS : -WHEEL_ROWS};
	if (!isInList) {
		return {type: 'focus-moved', pane: event.y > layout.threadBoxRows ? 'composer' : 'thread'};
	}
	const rows = conversationRows(state);
	const selected = rows.findIndex((r) => r.isSelected);
	const window = listWindow(rows.length, selected, layout.listRows);
	const entry = Math.floor((event.y - 2) / LIST_ENTRY_ROWS);
	if (event.y < 2 || entry >= window.size) return undefined;
	const row = rows[window.start + entry];
	return row ? {type: 'conversation-opened', conversationId: row.conversationId} : undefined;
}
