// Thread rendering as data: messages → day separators and wrapped terminal rows, only as many as fit
// (quotes, reactions and the edited/deleted marks are in message-decor.ts).
// Pure: imports core/ (format, sanitize, text-layout) only.
import {dayKey, formatClock, formatDayLabel} from './format.js';
import {isMentioned} from './mentions.js';
import {DELETED_PLACEHOLDER, EDITED_MARK, fitReactions, hasReactions, quoteLine, reactionItems, type ReactionItem} from './message-decor.js';
import {sanitizeInline, sanitizeText} from './sanitize.js';
import {displayWidth, truncate, wrapText} from './text-layout.js';
import type {ChatMessage, LocalStatus} from './types.js';

/** One terminal row of the thread pane. Text fields are already sanitized. */
export {DELETED_PLACEHOLDER, EDITED_MARK, quoteLine, reactionItems, reactionsText, type ReactionItem} from './message-decor.js';

export type ThreadRow =
	| {
			kind: 'message';
			key: string;
			messageId: string;
			/** First row of a message: carries time, sender and status. */
			isFirst: boolean;
			/** `HH:MM` in the viewer's time zone (the day is on the separator above). */
			time: string;
			sender: string;
			/** Columns to indent continuation rows: the width of `time sender: `, or 2 when stacked. */
			indent: number;
			isMine: boolean;
			isSelected: boolean;
			/** Row text; '' on the first row of a stacked message (its text starts on the next row). */
			text: string;
			/** My messages only, on the first row. */
			status?: LocalStatus;
			/** A membership line stored by the server: dim, no sender, no tick. */
			isSystem?: boolean;
			/** The "message deleted" placeholder (italic, dim); `text` holds it. */
			isDeleted?: boolean;
			/** Last text row of an edited message: " (edited)" follows the text (dim). */
			isEdited?: boolean;
			/** A message from someone else that mentions me (`@my-id`): highlighted. */
			isMention?: boolean;
	  }
	/** A reply's one-line quote of the original, above its text: `↳ Bob: start of the original…` (dim). */
	| {kind: 'quote'; key: string; messageId: string; indent: number; text: string; isSelected: boolean}
	/** The reactions under a message: each emoji with its count, mine highlighted. */
	| {kind: 'reactions'; key: string; messageId: string; indent: number; items: ReactionItem[]; isSelected: boolean}
	/** A calendar-day separator before the first message of each day: `Today`, `Mon 23 Nov`. */
	| {kind: 'day'; key: string; label: string}
	| {kind: 'divider'; key: string}
	/** Newer messages exist that are not loaded (after `/history --before`); End returns. */
	| {kind: 'gap'; key: string}
	| {kind: 'start'; key: string; isLoading: boolean; hasMore: boolean};

/** Widest sender name shown before a message, in columns. */
export const SENDER_COLUMNS = 14;
/** Columns reserved at the end of a first row for the ticks (` ✓✓`). */
export const TICK_COLUMNS = 3;
/** What separates the time from a system line's text (the text is indented, not prefixed by a sender). */
export const SYSTEM_GAP = '   ';
/** Indent of a stacked message's text rows (when `time sender: ` is too wide to align under). */
export const STACKED_INDENT = 2;

/** How one message lays out at a width: the first-row prefix parts and the text rows. */
export interface WrappedMessage {
	time: string;
	sender: string;
	indent: number;
	/**
	 * Whether `time sender:` stands alone on the first row and the text follows on rows
	 * indented {@link STACKED_INDENT}: when the prefix would take more than half the width.
	 */
	isStacked: boolean;
	/** The sanitized text wrapped into rows; a newline in the content always starts a row. */
	lines: string[];
	/** `YYYY-MM-DD` of the message in the time zone it was laid out for. */
	day: string;
	/** The last row is followed by {@link EDITED_MARK} (room for it is kept). */
	isEdited?: boolean;
}

interface WrapCacheEntry {
	width: number;
	timeZone: string;
	wrapped: WrappedMessage;
}
// Wrapping is the costly part; messages are immutable, so cache per object, width and zone.
const wrapCache = new WeakMap<ChatMessage, WrapCacheEntry>();

/**
 * The sanitized, wrapped rows of one message at `width` columns, its time `HH:MM` in
 * `timeZone` (IANA name). No row is wider than `width` once rendered as the thread pane does
 * (prefix or indent, text, and {@link TICK_COLUMNS} on a first row), and no word is lost.
 */
export function wrapMessage(message: ChatMessage, width: number, timeZone: string): WrappedMessage {
	const cached = wrapCache.get(message);
	if (cached && cached.width === width && cached.timeZone === timeZone) return cached.wrapped;
	const time = formatClock(message.createdAt, timeZone);
	if (message.messageType === 'system') return wrapSystem(message, width, timeZone, time);
	const name = sanitizeInline(message.senderName);
	let sender = truncate(name, SENDER_COLUMNS);
	const isStacked = displayWidth(`${time} ${sender}: `) > width / 2;
	// Stacked, the header row must still fit the ticks: shorten the name rather than lose them.
	if (isStacked) sender = truncate(name, Math.max(1, Math.min(SENDER_COLUMNS, width - displayWidth(`${time} : `) - TICK_COLUMNS)));
	const indent = isStacked ? STACKED_INDENT : displayWidth(`${time} ${sender}: `);
	const contentWidth = Math.max(1, width - indent - (isStacked ? 0 : TICK_COLUMNS));
	// A soft break can leave the space it broke at in front of the next row: drop that one
	// space so wrapped rows line up under the text (indentation at a line's start is kept).
	const lines = (message.deletedAt !== undefined ? DELETED_PLACEHOLDER : sanitizeText(message.content))
		.split('\n')
		.flatMap((line) => (line === '' ? [''] : wrapText(line, contentWidth).map((row, i) => (i > 0 && row.startsWith(' ') ? row.slice(1) : row))));
	// "(edited)" goes after the last row when it fits there, else on a row of its own.
	const isEdited = message.editedAt !== undefined && message.deletedAt === undefined;
	if (isEdited && displayWidth(lines.at(-1) ?? '') + displayWidth(EDITED_MARK) > contentWidth) lines.push('');
	const wrapped: WrappedMessage = {time, sender, indent, isStacked, lines, day: dayKey(message.createdAt, timeZone), ...(isEdited ? {isEdited} : {})};
	wrapCache.set(message, {width, timeZone, wrapped});
	return wrapped;
}

/** A system line: `HH:MM` then the indented text (no sender, no tick), wrapped under itself. */
function wrapSystem(message: ChatMessage, width: number, timeZone: string, time: string): WrappedMessage {
	const indent = displayWidth(`${time}${SYSTEM_GAP}`);
	const contentWidth = Math.max(1, width - indent);
	// One line: a server-made line has no reason for breaks, and a hostile title must not forge rows.
	const lines = wrapText(sanitizeInline(message.content.replace(/\r?\n/g, ' ')), contentWidth).map((row, i) => (i > 0 && row.startsWith(' ') ? row.slice(1) : row));
	const wrapped: WrappedMessage = {time, sender: '', indent, isStacked: false, lines: lines.length > 0 ? lines : [''], day: dayKey(message.createdAt, timeZone)};
	wrapCache.set(message, {width, timeZone, wrapped});
	return wrapped;
}

/** Rows a message takes at `width` columns (first row, quote and reactions included; not its day separator). */
export function messageRowCount(message: ChatMessage, width: number, timeZone: string): number {
	const wrapped = wrapMessage(message, width, timeZone);
	return wrapped.lines.length + (wrapped.isStacked ? 1 : 0) + (message.replyTo ? 1 : 0) + (hasReactions(message) ? 1 : 0);
}

/** Input of {@link visibleThreadRows}. */
export interface ThreadWindowInput {
	messages: readonly ChatMessage[];
	/** My user id (marks my own messages). */
	me: string;
	/** The tick of one of my messages (per-member aggregate); default its own `status`. */
	statusOf?: (message: ChatMessage) => LocalStatus;
	/** Columns and rows of the thread's inside (no border). */
	width: number;
	height: number;
	/** Rows above the bottom (0 = newest visible). */
	scroll: number;
	/** The clock in ms ("Today" is the calendar day of `now`; 0 = no tick yet). */
	now: number;
	/** IANA time zone the times and days are shown in. */
	timeZone: string;
	hasMore: boolean;
	isLoadingOlder: boolean;
	/** Message before which the "new messages" divider goes. */
	dividerBeforeId?: string;
	/** Message after which the "newer messages not loaded" gap marker goes. */
	gapAfterId?: string;
	selectedMessageId?: string;
}

/** Result of {@link visibleThreadRows}. */
export interface ThreadWindow {
	/** At most `height` rows, top to bottom. */
	rows: ThreadRow[];
	/** Whether the oldest loaded message is on screen (time to load an older page). */
	isAtTop: boolean;
	/** Largest useful scroll value for the loaded messages. */
	maxScroll: number;
}

/**
 * The thread rows that fit in `height` rows when scrolled `scroll` rows up from the
 * bottom. Walks from the newest message backwards and stops once the window is full,
 * so a long history costs only what is on screen.
 */
export function visibleThreadRows(input: ThreadWindowInput): ThreadWindow {
	const {messages, height} = input;
	const scroll = Math.max(0, input.scroll);
	const needed = scroll + height;
	const collected: ThreadRow[] = [];
	let i = messages.length - 1;
	for (; i >= 0 && collected.length < needed; i--) collected.unshift(...rowsOfMessage(input, i));
	const isExhausted = i < 0;
	if (isExhausted) {
		collected.unshift({kind: 'start', key: 'start', isLoading: input.isLoadingOlder, hasMore: input.hasMore});
	}
	const total = collected.length;
	const maxScroll = isExhausted ? Math.max(0, total - height) : Number.POSITIVE_INFINITY;
	const effectiveScroll = Math.min(scroll, maxScroll);
	const end = total - effectiveScroll;
	const rows = collected.slice(Math.max(0, end - height), end);
	return {rows, isAtTop: isExhausted && end - height <= 0, maxScroll};
}

/** What {@link threadRowCount} and {@link scrollToMessage} need: the window input without its size and position. */
export type ThreadLayoutInput = Omit<ThreadWindowInput, 'scroll' | 'height'>;

/**
 * Rows the messages from `fromIndex` to the newest take, separators, divider and gap included
 * (the "start" row is not counted). Costs only the messages counted.
 */
export function threadRowCount(input: ThreadLayoutInput, fromIndex: number): number {
	let rows = 0;
	for (let i = input.messages.length - 1; i >= Math.max(0, fromIndex); i--) rows += rowsOfMessage(input, i).length;
	return rows;
}

/**
 * The scroll value (rows above the bottom) that puts the first row belonging to message
 * `messageId` (its day separator or divider included) at the top of a window of `height`
 * rows, or 0 when everything from there fits. 0 when the message is not loaded.
 */
export function scrollToMessage(input: ThreadLayoutInput & {height: number}, messageId: string): number {
	const index = input.messages.findIndex((m) => m.messageId === messageId);
	if (index < 0) return 0;
	return Math.max(0, threadRowCount(input, index) - input.height);
}

/** The rows of message `index`: its day separator and divider when due, its text rows, a gap after. */
function rowsOfMessage(input: ThreadLayoutInput, index: number): ThreadRow[] {
	const message = input.messages[index]!;
	const wrapped = wrapMessage(message, input.width, input.timeZone);
	const rows: ThreadRow[] = [];
	const previous = input.messages[index - 1];
	if (!previous || wrapMessage(previous, input.width, input.timeZone).day !== wrapped.day) {
		rows.push({kind: 'day', key: `day-${message.messageId}`, label: formatDayLabel(message.createdAt, input.now, input.timeZone)});
	}
	if (message.messageId === input.dividerBeforeId) rows.push({kind: 'divider', key: `divider-${message.messageId}`});
	const isSystem = message.messageType === 'system';
	const isMine = message.senderId === input.me && !isSystem;
	const status = isMine ? (input.statusOf?.(message) ?? message.status) : undefined;
	const base = {
		kind: 'message' as const,
		messageId: message.messageId,
		time: wrapped.time,
		sender: wrapped.sender,
		indent: wrapped.indent,
		isMine,
		isSelected: message.messageId === input.selectedMessageId,
		...(isSystem ? {isSystem} : {}),
	};
	const isSelected = base.isSelected;
	if (message.replyTo) {
		const indent = wrapped.isStacked ? STACKED_INDENT : wrapped.indent;
		rows.push({kind: 'quote', key: `quote-${message.messageId}`, messageId: message.messageId, indent, text: quoteLine(message, input.messages, input.width - indent), isSelected});
	}
	const isDeleted = message.deletedAt !== undefined;
	const isMention = !isMine && !isSystem && !isDeleted && isMentioned(message, input.me);
	const flags = {...(isDeleted ? {isDeleted} : {}), ...(isMention ? {isMention} : {})};
	const texts = wrapped.isStacked ? ['', ...wrapped.lines] : wrapped.lines;
	texts.forEach((text, n) => {
		const isLast = n === texts.length - 1;
		rows.push({
			...base,
			...flags,
			key: `${message.messageId}-${n}`,
			isFirst: n === 0,
			text,
			...(status !== undefined && n === 0 ? {status} : {}),
			...(wrapped.isEdited && isLast ? {isEdited: true} : {}),
		});
	});
	const items = reactionItems(message, input.me);
	if (items.length > 0) {
		const indent = wrapped.isStacked ? STACKED_INDENT : wrapped.indent;
		rows.push({kind: 'reactions', key: `reactions-${message.messageId}`, messageId: message.messageId, indent, items: fitReactions(items, input.width - indent), isSelected});
	}
	if (message.messageId === input.gapAfterId) rows.push({kind: 'gap', key: `gap-${message.messageId}`});
	return rows;
}
