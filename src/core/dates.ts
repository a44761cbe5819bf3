// Dates as typed in commands (`/history --before`, `/search --before/--after`).
// Pure: imports core/ only.
import {instantOf} from './format.js';

/**
 * Dates as typed: ISO (`2026-11-22`, `2026-11-22T10:00`, with zone) or `YYYY-MM-DD HH:MM`,
 * the latter read on the wall clock of `timeZone` (the zone times are shown in).
 */
export function parseDate(raw: string, timeZone: string): Date | undefined {
	const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(raw.trim());
	if (m) {
		const [year, month, day, hour, minute, second] = m.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
		const check = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
		if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return undefined;
		return new Date(instantOf({year, month, day, hour, minute, second}, timeZone));
	}
	const date = new Date(raw);
	return raw.trim() !== '' && !Number.isNaN(date.getTime()) && /\d{4}/.test(raw) ? date : undefined;
}

