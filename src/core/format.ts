// Human-readable times and statuses for the screen and `/status`.
// Pure: imports core/ only. Times are local wall-clock (the process TZ).
import {UNREAD_COUNT_CAP, type LocalStatus} from './types.js';

const pad = (n: number): string => String(n).padStart(2, '0');

/** `HH:MM` for a time on the same local day as `now`, else `YYYY-MM-DD HH:MM`. Times in ms. */
export function formatTime(at: number, now: number): string {
	const d = new Date(at);
	const clock = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
	if (now > 0 && new Date(now).toDateString() === d.toDateString()) return clock;
	if (now === 0) return clock;
	return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clock}`;
}

/** Full local timestamp `YYYY-MM-DD HH:MM:SS` (info view), from ms. */
export function formatTimestamp(at: number): string {
	const d = new Date(at);
	return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** The tick glyph of a message status: clock while pending, ✓ stored, ✓✓ delivered/read, ✗ rejected. */
export function statusGlyph(status: LocalStatus): string {
	switch (status) {
		case 'pending':
			return '◷';
		case 'sent':
			return '↑';
		case 'received_by_server':
			return '✓';
		case 'delivered':
		case 'read':
			return '✓✓';
		case 'rejected':
			return '✗';
	}
}

/** A status in words, for `/status` and the info view. */
export function statusWords(status: LocalStatus): string {
	switch (status) {
		case 'pending':
			return 'waiting for the broker';
		case 'sent':
			return 'sent, not yet stored';
		case 'received_by_server':
			return 'stored by the server';
		case 'delivered':
			return 'delivered';
		case 'read':
			return 'read';
		case 'rejected':
			return 'refused by the server, not sent';
	}
}

/** An unread count for display: `1000+` once it reaches {@link UNREAD_COUNT_CAP} (counts stop there). */
export function formatUnread(count: number): string {
	return count >= UNREAD_COUNT_CAP ? `${UNREAD_COUNT_CAP}+` : String(count);
}
