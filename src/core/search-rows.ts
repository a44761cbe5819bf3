// What the search and "while you were away" overlays show, as sanitized text within a width.
// Pure: imports core/ only.
import {formatClock, formatTime} from './format.js';
import {DELETED_PLACEHOLDER} from './message-decor.js';
import {sanitizeInline} from './sanitize.js';
import {displayWidth, truncate} from './text-layout.js';
import type {AwayEntry, SearchHit} from './types.js';

/** A piece of a line: text (sanitized) and whether it is a matched range. */
export interface Segment {
	text: string;
	isMatch: boolean;
}

/** One search result as shown: `#Room · Bob · 10:04` then the snippet with matches highlighted. */
export interface SearchHitRow {
	key: string;
	/** Where and who and when, sanitized, within the width. */
	head: string;
	/** The snippet (one line), cut to the width, matched ranges marked. */
	snippet: Segment[];
}

/**
 * The snippet of a hit split at its matched ranges (`SearchHit.matches`, UTF-16 offsets,
 * ascending; out-of-range or overlapping ranges are clamped), each piece sanitized on its own
 * (line breaks read as spaces), and cut to `width` columns with an ellipsis.
 */
export function snippetSegments(hit: Pick<SearchHit, 'snippet' | 'matches'>, width: number): Segment[] {
	const text = hit.snippet;
	const pieces: Segment[] = [];
	let at = 0;
	for (const [rawStart, rawEnd] of hit.matches) {
		const start = Math.max(at, Math.min(text.length, rawStart));
		const end = Math.max(start, Math.min(text.length, rawEnd));
		if (start > at) pieces.push({text: text.slice(at, start), isMatch: false});
		if (end > start) pieces.push({text: text.slice(start, end), isMatch: true});
		at = end;
	}
	if (at < text.length) pieces.push({text: text.slice(at), isMatch: false});
	const clean = pieces.map((p) => ({...p, text: sanitizeInline(p.text.replace(/\r?\n/g, ' '))}));
	return fitSegments(clean, width);
}

/** Cut segments to `width` columns in all (an ellipsis ends a cut line). */
export function fitSegments(segments: readonly Segment[], width: number): Segment[] {
	const total = segments.reduce((n, s) => n + displayWidth(s.text), 0);
	if (total <= width) return [...segments];
	const out: Segment[] = [];
	let room = Math.max(0, width);
	for (const segment of segments) {
		const w = displayWidth(segment.text);
		if (w < room) {
			out.push(segment);
			room -= w;
			continue;
		}
		// truncate() ends with … within `room` columns.
		if (room > 0) out.push({...segment, text: truncate(`${segment.text}  `, room)});
		break;
	}
	return out;
}

/** The rows of the search overlay, `width` columns each. */
export function searchHitRows(hits: readonly SearchHit[], width: number, now: number, timeZone: string): SearchHitRow[] {
	return hits.map((hit) => ({
		key: `${hit.conversationId} ${hit.senderId} ${hit.messageId}`,
		head: truncate(`${sanitizeInline(hit.conversationTitle)} · ${sanitizeInline(hit.senderName)} · ${formatTime(hit.createdAt, now, timeZone)}`, width),
		snippet: snippetSegments(hit, Math.max(1, width - 2)),
	}));
}

/** One conversation of the away overlay: `#Room  3 unread · 1 mention` and the first unread line. */
export interface AwayRow {
	key: string;
	conversationId: string;
	head: string;
	/** `Bob: first unread text` (sanitized, one line, within the width). */
	first: string;
	/** Who wrote: `Bob, Carol +2`. */
	senders: string;
	hasMentions: boolean;
}

/** The rows of the "while you were away" overlay, within `width` columns. */
export function awayRows(entries: readonly AwayEntry[], width: number, timeZone: string): AwayRow[] {
	return entries.map((entry) => {
		const title = `${entry.kind === 'group' ? '#' : ''}${sanitizeInline(entry.title)}`;
		const count = `${entry.unread >= 1000 ? '1000+' : entry.unread} unread${entry.mentions > 0 ? ` · ${entry.mentions} mention${entry.mentions === 1 ? '' : 's'}` : ''}`;
		const first = entry.firstUnread;
		const names = entry.senders.slice(0, 3).map(sanitizeInline).join(', ') + (entry.senders.length > 3 ? ` +${entry.senders.length - 3}` : '');
		return {
			key: entry.conversationId,
			conversationId: entry.conversationId,
			head: truncate(`${title} — ${count}`, width),
			first: truncate(`${formatClock(first.createdAt, timeZone)} ${firstLine(first)}`, width),
			senders: truncate(names === '' ? '' : `from ${names}`, width),
			hasMentions: entry.mentions > 0,
		};
	});
}

/** The first unread message as one line: a room event as the thread words it, a deleted one as its placeholder. */
function firstLine(first: AwayEntry['firstUnread']): string {
	const text = sanitizeInline(first.content.replace(/\s*\r?\n\s*/g, ' '));
	if (first.messageType === 'system') return text;
	return `${sanitizeInline(first.senderName)}: ${first.isDeleted ? DELETED_PLACEHOLDER : text}`;
}
