// Key bindings: key specs ("ctrl+k", "shift+tab", "j") → named actions → UiActions.
// Pure: imports core/ only (Ink's Key shape is mirrored, not imported).
import type {ChatAction, UiAction} from './actions.js';
import type {KeyPress} from './key-press.js';
import {kindOf} from './conversation-info.js';
import {calculateLayout} from './layout.js';
import {conversationRows, infoTarget, switcherMatches} from './selectors.js';
import {isMessageOverlay, isPassedOnFromAway, messageKeyAction, messageOverlayKey} from './message-keys.js';
import type {ChatState} from './state.js';

export type {KeyPress} from './key-press.js';

/** Every bindable action with its help text, in help-overlay order. */
export const KEY_ACTIONS = {
	'focus-next': 'next pane',
	'focus-prev': 'previous pane',
	'move-up': 'up (list) / older message',
	'move-down': 'down (list) / newer message',
	open: 'open the conversation',
	'page-up': 'page up (loads older)',
	'page-down': 'page down',
	'half-page-up': 'half a page up',
	'half-page-down': 'half a page down',
	top: 'first chat / oldest message',
	bottom: 'last chat / newest message',
	back: 'to the list, close overlay',
	switcher: 'quick switcher',
	search: 'search messages',
	'next-unread': 'next unread conversation',
	help: 'this help',
	info: 'info on my selected message',
	members: 'members of this room or chat',
	quit: 'quit',
	'select-newest': 'select the newest message',
	reply: 'reply to the selected',
	edit: 'edit my selected message',
	delete: 'delete selected (y/n)',
	react: 'react: pick or type emoji',
	original: "jump to a reply's original",
} as const;

/** A bindable action name. */
export type KeyAction = keyof typeof KEY_ACTIONS;
/** Action → key specs (each action may have several keys). */
export type Keymap = Readonly<Record<KeyAction, readonly string[]>>;

/** The default bindings (arrows plus vim-style keys). */
export const DEFAULT_KEYMAP: Keymap = {
	'focus-next': ['tab'],
	'focus-prev': ['shift+tab'],
	'move-up': ['up', 'k'],
	'move-down': ['down', 'j'],
	open: ['enter'],
	'page-up': ['pageup'],
	'page-down': ['pagedown'],
	// Not Ctrl+U/Ctrl+D: in the composer those edit the line, as in readline.
	'half-page-up': ['shift+up'],
	'half-page-down': ['shift+down'],
	top: ['g', 'home'],
	bottom: ['G', 'end'],
	back: ['escape'],
	switcher: ['ctrl+k'],
	search: ['ctrl+f'],
	'next-unread': ['ctrl+n', 'n'],
	help: ['?'],
	info: ['i'],
	members: ['m'],
	quit: ['ctrl+c'],
	'select-newest': ['s'],
	reply: ['r'],
	edit: ['e'],
	delete: ['d'],
	react: ['+'],
	original: ['o'],
};

const NAMED_KEYS = {
	up: 'upArrow',
	down: 'downArrow',
	left: 'leftArrow',
	right: 'rightArrow',
	pageup: 'pageUp',
	pagedown: 'pageDown',
	home: 'home',
	end: 'end',
	enter: 'return',
	return: 'return',
	escape: 'escape',
	esc: 'escape',
	tab: 'tab',
	backspace: 'backspace',
	delete: 'delete',
} as const satisfies Record<string, keyof KeyPress>;

/** A parsed key spec. */
interface KeySpec {
	ctrl: boolean;
	shift: boolean;
	meta: boolean;
	/** A {@link NAMED_KEYS} flag, or undefined for a printable character. */
	flag?: keyof KeyPress;
	char?: string;
}

/**
 * Parse a key spec: optional `ctrl+`, `shift+`, `meta+` modifiers, then a named key
 * (up, down, left, right, pageup, pagedown, home, end, enter, escape, tab, backspace,
 * delete) or a single character (`j`, `G`, `?`).
 * @throws Error with a one-line message for anything else.
 */
export function parseKeySpec(spec: string): KeySpec {
	const parts = spec.length === 1 ? [spec] : spec.split('+');
	const key = parts.pop() ?? '';
	const mods = new Set(parts.map((p) => p.trim().toLowerCase()));
	for (const mod of mods) if (!['ctrl', 'shift', 'meta'].includes(mod)) throw new Error(`unknown modifier "${mod}" in key "${spec}"`);
	const base = {ctrl: mods.has('ctrl'), shift: mods.has('shift'), meta: mods.has('meta')};
	const named = NAMED_KEYS[key.toLowerCase() as keyof typeof NAMED_KEYS];
	if (named && key.length > 1) return {...base, flag: named};
	if ([...key].length === 1) return {...base, char: base.ctrl ? key.toLowerCase() : key};
	throw new Error(`unknown key "${spec}" (use e.g. ctrl+k, shift+tab, pageup, j)`);
}

/** Whether a key press matches a spec. */
function matches(spec: KeySpec, input: string, key: KeyPress): boolean {
	// Ink reports Escape with meta set (an ESC prefix), so meta is not compared for it.
	const meta = spec.flag === 'escape' ? spec.meta : Boolean(key.meta);
	if (Boolean(key.ctrl) !== spec.ctrl || meta !== spec.meta) return false;
	// Named keys compare Shift too (Shift+↑ is not ↑); Enter is left alone, as Shift+Enter is a newline in the composer.
	if (spec.flag) return Boolean(key[spec.flag]) && (spec.flag === 'return' || Boolean(key.shift) === spec.shift);
	// A printable character already carries its shift state (G vs g).
	return input === spec.char;
}

/** Result of {@link resolveKeymap}: the key map in use, and one line per entry skipped. */
export interface ResolvedKeymap {
	keymap: Keymap;
	errors: string[];
}

/**
 * Merge user overrides (`{action: keySpec | keySpec[]}`, from the config file) over the
 * defaults. A bad entry (unknown action, a key spec that does not parse, a value that is not
 * a string or list of strings) is skipped with a one-line reason; a list keeps its good
 * keys; everything else is applied. Never throws.
 */
export function resolveKeymap(overrides: Readonly<Record<string, unknown>> = {}): ResolvedKeymap {
	const keymap: Record<string, readonly string[]> = {...DEFAULT_KEYMAP};
	const errors: string[] = [];
	for (const [action, specs] of Object.entries(overrides)) {
		if (!(action in KEY_ACTIONS)) {
			errors.push(`unknown key action "${action}"`);
			continue;
		}
		const list: unknown[] = Array.isArray(specs) ? specs : [specs];
		const good: string[] = [];
		for (const spec of list) {
			if (typeof spec !== 'string') {
				errors.push(`"${action}": ${JSON.stringify(spec)} is not a key (use e.g. "ctrl+k")`);
				continue;
			}
			try {
				parseKeySpec(spec);
				good.push(spec);
			} catch (error) {
				errors.push(`"${action}": ${(error as Error).message}`);
			}
		}
		if (good.length > 0) keymap[action] = good;
	}
	return {keymap: keymap as Keymap, errors};
}


const specCache = new Map<string, KeySpec>();
function cachedSpec(spec: string): KeySpec {
	let parsed = specCache.get(spec);
	if (!parsed) {
		parsed = parseKeySpec(spec);
		specCache.set(spec, parsed);
	}
	return parsed;
}

/** The action bound to a key press, if any. */
export function actionForKey(input: string, key: KeyPress, keymap: Keymap): KeyAction | undefined {
	for (const action of Object.keys(KEY_ACTIONS) as KeyAction[]) {
		if (keymap[action].some((spec) => matches(cachedSpec(spec), input, key))) return action;
	}
	return undefined;
}

/** Actions that would steal a printable character from the composer or the switcher. */
function isPrintable(input: string, key: KeyPress): boolean {
	return input.length > 0 && !key.ctrl && !key.meta && !key.tab && !key.return && !key.escape;
}

/**
 * Whether a key that closes a help/info/status overlay also does its usual job after it
 * (as in gomuks and WeeChat, a key is never swallowed): everything but Esc, ? and Enter,
 * the keys that mean "close". Printable text then goes to the composer.
 */
export function isPassedOnFromOverlay(input: string, key: KeyPress, state: ChatState, keymap: Keymap = DEFAULT_KEYMAP): boolean {
	if (state.overlay?.kind === 'away') return isPassedOnFromAway(input, key);
	if (!state.overlay || state.overlay.kind === 'switcher' || isMessageOverlay(state.overlay)) return false;
	const action = actionForKey(input, key, keymap);
	return !(action === 'back' || action === 'help' || key.return || key.escape || action === 'quit');
}

/** Whether a key press is text for the composer (no Ctrl/Alt chord, not a named key). */
export function isTextInput(input: string, key: KeyPress): boolean {
	return isPrintable(input, key) && !key.upArrow && !key.downArrow && !key.leftArrow && !key.rightArrow && !key.pageUp && !key.pageDown && !key.backspace && !key.delete;
}

/**
 * Map a key press to an action given the state (focus, overlay) and key map.
 * A help/info/status overlay closes on any key (see {@link isPassedOnFromOverlay}).
 * In the composer, printable keys belong to the text input and are not actions.
 * Returns undefined when the key does nothing here (a `notice` when it cannot apply).
 */
export function keyToAction(input: string, key: KeyPress, state: ChatState, keymap: Keymap = DEFAULT_KEYMAP): ChatAction | undefined {
	const action = actionForKey(input, key, keymap);
	if (action === 'quit') return {type: 'quit-requested'};
	const overlay = state.overlay;
	if (overlay?.kind === 'switcher') return switcherKey(input, key, state, overlay.query, overlay.index, action);
	if (isMessageOverlay(overlay)) return messageOverlayKey(input, key, state, overlay, action);
	if (overlay) return {type: 'overlay-closed'};
	// Esc ends a reply or edit first, then clears the thread's selection, then goes to the list.
	if (action === 'back' && state.compose) return {type: 'compose-ended'};
	if (action === 'back' && state.focus === 'thread' && state.selectedMessageId) return {type: 'message-selection-cleared'};
	if (action === 'search') return {type: 'overlay-opened', overlay: {kind: 'search', query: '', index: 0}};
	const isTextFocus = state.focus === 'composer';
	if (isTextFocus && isPrintable(input, key)) return undefined;
	// "/" starts a command from any pane (the irssi/WeeChat habit): without this, typing
	// "/open bob" in the list fires list keys (o, n…) and the Enter opens the selected chat.
	if (input.startsWith('/') && isPrintable(input, key)) return {type: 'focus-moved', pane: 'composer'};
	if (isTextFocus && (action === 'move-up' || action === 'move-down' || action === 'open')) return undefined;
	const layout = calculateLayout(state.viewport.columns, state.viewport.rows);
	const inList = state.focus === 'list';
	switch (action) {
		case 'focus-next':
			return {type: 'focus-cycled', direction: 1};
		case 'focus-prev':
			return {type: 'focus-cycled', direction: -1};
		case 'move-up':
			return inList ? {type: 'list-moved', by: -1} : {type: 'message-selection-moved', by: -1};
		case 'move-down':
			return inList ? {type: 'list-moved', by: 1} : {type: 'message-selection-moved', by: 1};
		case 'open': {
			const id = conversationRows(state).find((r) => r.isSelected)?.conversationId;
			return inList && id ? {type: 'conversation-opened', conversationId: id} : undefined;
		}
		case 'page-up':
			return {type: 'thread-scrolled', by: Math.max(1, layout.threadRows - 1)};
		case 'page-down':
			return {type: 'thread-scrolled', by: -Math.max(1, layout.threadRows - 1)};
		case 'half-page-up':
			return {type: 'thread-scrolled', by: Math.max(1, Math.floor(layout.threadRows / 2))};
		case 'half-page-down':
			return {type: 'thread-scrolled', by: -Math.max(1, Math.floor(layout.threadRows / 2))};
		case 'top':
			return inList ? {type: 'list-moved', by: -Infinity} : {type: 'thread-scrolled', by: Infinity};
		case 'bottom':
			return inList ? {type: 'list-moved', by: Infinity} : {type: 'thread-scrolled', by: -Infinity};
		case 'back':
			return {type: 'focus-moved', pane: 'list'};
		case 'switcher':
			return {type: 'overlay-opened', overlay: {kind: 'switcher', query: '', index: 0}};
		case 'next-unread': {
			const id = nextUnread(state);
			return id ? {type: 'conversation-opened', conversationId: id} : undefined;
		}
		case 'help':
			return {type: 'overlay-opened', overlay: {kind: 'help'}};
		case 'info': {
			const target = infoTarget(state);
			if (target) return {type: 'overlay-opened', overlay: {kind: 'info', messageId: target.messageId}};
			return state.openConversationId
				? {type: 'notice', level: 'info', text: 'info is for your own messages — select one with ↑/↓ in the thread'}
				: undefined;
		}
		case 'select-newest':
		case 'reply':
		case 'edit':
		case 'delete':
		case 'react':
		case 'original':
			return messageKeyAction(action, state);
		case 'members': {
			const id = state.openConversationId;
			if (!id) return undefined;
			return kindOf(id) === 'broadcast'
				? {type: 'notice', level: 'info', text: 'everyone reads the broadcast — m lists the members of a room or chat'}
				: {type: 'overlay-opened', overlay: {kind: 'members', conversationId: id}};
		}
		default:
			return undefined;
	}
}

function switcherKey(input: string, key: KeyPress, state: ChatState, query: string, index: number, action?: KeyAction): UiAction | undefined {
	if (action === 'back' || key.escape) return {type: 'overlay-closed'};
	if (key.return) {
		const match = switcherMatches(state, query)[index];
		return match ? {type: 'conversation-opened', conversationId: match.conversationId} : {type: 'overlay-closed'};
	}
	if (key.upArrow) return {type: 'switcher-moved', by: -1};
	if (key.downArrow || key.tab) return {type: 'switcher-moved', by: 1};
	if (key.backspace || key.delete) return {type: 'switcher-query-changed', query: query.slice(0, -1)};
	if (isPrintable(input, key)) return {type: 'switcher-query-changed', query: query + input};
	return undefined;
}

/** The next conversation after the selected one (in list order, wrapping) with unread messages, muted ones skipped. */
export function nextUnread(state: ChatState): string | undefined {
	const rows = conversationRows(state);
	const current = state.openConversationId ? rows.findIndex((r) => r.isOpen) : rows.findIndex((r) => r.isSelected);
	for (let step = 1; step <= rows.length; step++) {
		const row = rows[(current + step + rows.length) % rows.length]!;
		if (row.unread > 0 && !row.isMuted && row.conversationId !== state.openConversationId) return row.conversationId;
	}
	return undefined;
}
