// Thread rendering as data: messages → wrapped terminal rows, only as many as fit.
// Pure: imports core/ (sanitize, text-layout) only.
import {formatTime} from './format.js';
import {sanitizeInline, sanitizeText} from './sanitize.js';
import {displayWidth, truncate, wrapText} from './text-layout.js';
import type {ChatMessage, LocalStatus} from './types.js';

/** One terminal row of the thread pane. Text fields are already sanitized. */
export type ThreadRow =
	| {
			kind: 'message';
			key: string;
			messageId: string;
			/** First row of a message: carries time, sender and status. */
			isFirst: boolean;
			time: string;
			sender: string;
			/** Columns to indent continuation rows (width of `time sender: `). */
			indent: number;
			isMine: boolean;
			isSelected: boolean;
			text: string;
			/** My messages only, on the first row. */
			status?: LocalStatus;
	  }
	| {kind: 'divider'; key: string}
	| {kind: 'start'; key: string; isLoading: boolean; hasMore: boolean};

/** Widest sender name shown before a message, in columns. */
export const SENDER_COLUMNS = 14;
/** Columns reserved at the end of a first row for the ticks (` ✓✓`). */
export const TICK_COLUMNS = 3;

interface WrapCacheEntry {
	width: number;
	now: number;
	rows: {time: string; sender: string; indent: number; lines: string[]};
}
// Wrapping is the costly part; messages are immutable, so cache per object and width.
const wrapCache = new WeakMap<ChatMessage, WrapCacheEntry>();

/** The sanitized, wrapped lines of one message at `width` columns (time relative to `now`). */
export function wrapMessage(message: ChatMessage, width: number, now: number): WrapCacheEntry['rows'] {
	const nowDay = dayOf(now);
	const cached = wrapCache.get(message);
	if (cached && cached.width === width && dayOf(cached.now) === nowDay) return cached.rows;
	const time = formatTime(message.createdAt, now);
	const sender = truncate(sanitizeInline(message.senderName), SENDER_COLUMNS);
	let indent = displayWidth(`${time} ${sender}: `);
	if (indent > width / 2) indent = 2;
	const contentWidth = Math.max(1, width - indent - TICK_COLUMNS);
	const lines = sanitizeText(message.content)
		.split('\n')
		.flatMap((line) => (line === '' ? [''] : wrapText(line, contentWidth)));
	const rows = {time, sender, indent, lines};
	wrapCache.set(message, {width, now, rows});
	return rows;
}

function dayOf(ms: number): string {
	return ms === 0 ? '' : new Date(ms).toDateString();
}

/** Rows a message takes at `width` columns (first row included). */
export function messageRowCount(message: ChatMessage, width: number, now: number): number {
	return wrapMessage(message, width, now).lines.length;
}

/** Input of {@link visibleThreadRows}. */
export interface ThreadWindowInput {
	messages: readonly ChatMessage[];
	/** My user id (marks my own messages). */
	me: string;
	/** Columns and rows of the thread's inside (no border). */
	width: number;
	height: number;
	/** Rows above the bottom (0 = newest visible). */
	scroll: number;
	now: number;
	hasMore: boolean;
	isLoadingOlder: boolean;
	/** Message before which the "new messages" divider goes. */
	dividerBeforeId?: string;
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
	const {messages, width, height, now} = input;
	const scroll = Math.max(0, input.scroll);
	const needed = scroll + height;
	const collected: ThreadRow[] = [];
	let i = messages.length - 1;
	for (; i >= 0 && collected.length < needed; i--) {
		const message = messages[i]!;
		const rows = messageRows(message, input);
		collected.unshift(...rows);
		if (message.messageId === input.dividerBeforeId) {
			collected.unshift({kind: 'divider', key: `divider-${message.messageId}`});
		}
	}
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

function messageRows(message: ChatMessage, input: ThreadWindowInput): ThreadRow[] {
	const {time, sender, indent, lines} = wrapMessage(message, input.width, input.now);
	const isMine = message.senderId === input.me;
	const isSelected = message.messageId === input.selectedMessageId;
	return lines.map((text, index) => ({
		kind: 'message' as const,
		key: `${message.messageId}-${index}`,
		messageId: message.messageId,
		isFirst: index === 0,
		time,
		sender,
		indent,
		isMine,
		isSelected,
		text,
		...(isMine && index === 0 ? {status: message.status} : {}),
	}));
}
