// Human-readable times and statuses for the screen and `/status`.
// Pure: imports core/ only. Times are epoch ms shown in an explicit IANA time zone (never the
// process's implicit one), so a test pins both the clock and the zone.
import {UNREAD_COUNT_CAP, type LocalStatus} from './types.js';

const pad = (n: number): string => String(n).padStart(2, '0');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const DAY_MS = 86_400_000;

/** The time zone of this process (`TZ`, else the system's), as an IANA name such as `Europe/Berlin`. */
export function systemTimeZone(): string {
	return new Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/**
 * Whether `timeZone` is an IANA time zone name `Intl.DateTimeFormat` knows (`UTC`,
 * `Pacific/Chatham`, `Etc/GMT+12`). Never throws.
 */
export function isValidTimeZone(timeZone: string): boolean {
	try {
		new Intl.DateTimeFormat('en-US', {timeZone});
		return true;
	} catch {
		return false;
	}
}

/** A wall-clock reading: calendar date and time of day in one time zone. */
export interface WallClock {
	year: number;
	/** 1–12. */
	month: number;
	/** 1–31. */
	day: number;
	/** 0 = Sunday … 6 = Saturday. */
	weekday: number;
	/** 0–23. */
	hour: number;
	minute: number;
	second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timeZone: string): Intl.DateTimeFormat {
	let formatter = formatters.get(timeZone);
	if (!formatter) {
		formatter = new Intl.DateTimeFormat('en-US', {
			timeZone,
			hourCycle: 'h23',
			year: 'numeric',
			month: 'numeric',
			day: 'numeric',
			hour: 'numeric',
			minute: 'numeric',
			second: 'numeric',
		});
		formatters.set(timeZone, formatter);
	}
	return formatter;
}

// Intl is slow (tens of µs per formatToParts, far more on a busy machine) and a thread needs the
// time and day of every message on screen, so the zone's offset is asked once per 15-minute slice
// of UTC time: offsets change only at transitions, which fall on whole quarter hours (for any
// zone since 1900), so within a slice the offset is constant and the wall clock is plain arithmetic.
const SLICE_MS = 15 * 60_000;
const MAX_CACHED_OFFSETS = 20_000;
const offsets = new Map<string, Map<number, number>>();

function offsetAt(at: number, timeZone: string): number {
	let zone = offsets.get(timeZone);
	if (!zone) {
		zone = new Map();
		offsets.set(timeZone, zone);
	}
	const slice = Math.floor(at / SLICE_MS);
	let offset = zone.get(slice);
	if (offset === undefined) {
		const start = slice * SLICE_MS;
		const parts: Record<string, number> = {};
		for (const part of formatterFor(timeZone).formatToParts(start)) {
			if (part.type !== 'literal') parts[part.type] = Number(part.value);
		}
		const wall = Date.UTC(parts.year ?? 1970, (parts.month ?? 1) - 1, parts.day ?? 1, (parts.hour ?? 0) % 24, parts.minute ?? 0, parts.second ?? 0);
		offset = wall - start;
		if (zone.size >= MAX_CACHED_OFFSETS) zone.clear();
		zone.set(slice, offset);
	}
	return offset;
}

/**
 * The wall clock at `at` (ms since the epoch) in `timeZone` (IANA name).
 * @throws RangeError when `timeZone` is unknown (check with {@link isValidTimeZone} at the edge).
 */
export function wallClock(at: number, timeZone: string): WallClock {
	const d = new Date(at + offsetAt(at, timeZone));
	return {
		year: d.getUTCFullYear(),
		month: d.getUTCMonth() + 1,
		day: d.getUTCDate(),
		weekday: d.getUTCDay(),
		hour: d.getUTCHours(),
		minute: d.getUTCMinutes(),
		second: d.getUTCSeconds(),
	};
}

/**
 * The instant (ms) at which the wall clock in `timeZone` reads `wall` (`weekday` is ignored;
 * missing fields are 0). Where the reading is ambiguous (a repeated hour) or does not exist
 * (a daylight-saving gap), the earlier of the two candidate instants is given.
 * @throws RangeError when `timeZone` is unknown.
 */
export function instantOf(wall: Omit<WallClock, 'weekday'>, timeZone: string): number {
	const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
	const offsetAt = (at: number): number => {
		const w = wallClock(at, timeZone);
		return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(at / 1000) * 1000;
	};
	const first = asUtc - offsetAt(asUtc);
	const second = asUtc - offsetAt(first);
	return Math.min(first, second);
}

/** Days from the calendar day of `from` to that of `to` (both ms) in `timeZone`; negative when `to` is earlier. */
export function calendarDaysBetween(from: number, to: number, timeZone: string): number {
	const a = wallClock(from, timeZone);
	const b = wallClock(to, timeZone);
	return Math.round((Date.UTC(b.year, b.month - 1, b.day) - Date.UTC(a.year, a.month - 1, a.day)) / DAY_MS);
}

/** `YYYY-MM-DD` of `at` (ms) in `timeZone`: equal keys mean the same calendar day. */
export function dayKey(at: number, timeZone: string): string {
	const w = wallClock(at, timeZone);
	return `${w.year}-${pad(w.month)}-${pad(w.day)}`;
}

/** `HH:MM` (24 h) of `at` (ms) in `timeZone`: the time on each thread row. */
export function formatClock(at: number, timeZone: string): string {
	const w = wallClock(at, timeZone);
	return `${pad(w.hour)}:${pad(w.minute)}`;
}

/**
 * The label of a day separator in the thread: `Today`, `Yesterday`, `Mon 23 Nov` within the
 * year of `now`, `Mon 23 Nov 2025` otherwise (also for days after today). `now` = 0 (no clock
 * tick yet) gives the dated form.
 */
export function formatDayLabel(at: number, now: number, timeZone: string): string {
	if (now > 0) {
		const days = calendarDaysBetween(at, now, timeZone);
		if (days === 0) return 'Today';
		if (days === 1) return 'Yesterday';
	}
	const w = wallClock(at, timeZone);
	const label = `${WEEKDAYS[w.weekday]} ${w.day} ${MONTHS[w.month - 1]}`;
	return now > 0 && wallClock(now, timeZone).year === w.year ? label : `${label} ${w.year}`;
}

/**
 * A compact time for the conversation list: `10:03` today, the weekday (`Mon`) in the six days
 * before, `23 Nov` earlier this year, `2025-11-23` in another year (or in the future).
 * At most 10 columns.
 */
export function formatListTime(at: number, now: number, timeZone: string): string {
	const days = now > 0 ? calendarDaysBetween(at, now, timeZone) : 0;
	const w = wallClock(at, timeZone);
	if (days === 0) return `${pad(w.hour)}:${pad(w.minute)}`;
	if (days > 0 && days < 7) return WEEKDAYS[w.weekday]!;
	if (days > 0 && wallClock(now, timeZone).year === w.year) return `${w.day} ${MONTHS[w.month - 1]}`;
	return `${w.year}-${pad(w.month)}-${pad(w.day)}`;
}

/**
 * `HH:MM` for a time on the same calendar day as `now`, `Yesterday HH:MM` the day before,
 * else `YYYY-MM-DD HH:MM` ("last seen", `/status`). Times in ms, shown in `timeZone`.
 */
export function formatTime(at: number, now: number, timeZone: string): string {
	const clock = formatClock(at, timeZone);
	if (now === 0) return clock;
	const days = calendarDaysBetween(at, now, timeZone);
	if (days === 0) return clock;
	if (days === 1) return `Yesterday ${clock}`;
	return `${dayKey(at, timeZone)} ${clock}`;
}

/** Full timestamp `YYYY-MM-DD HH:MM:SS` of `at` (ms) in `timeZone` (info view). */
export function formatTimestamp(at: number, timeZone: string): string {
	const w = wallClock(at, timeZone);
	return `${w.year}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
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
