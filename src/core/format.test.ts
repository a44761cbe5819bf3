// Times on screen: every function takes the clock and the IANA time zone, never the process's.
import {describe, expect, it} from 'vitest';
import {calendarDaysBetween, dayKey, formatClock, formatDayLabel, formatListTime, formatTime, formatTimestamp, instantOf, isValidTimeZone} from './format.js';

// Monday 30 November 2026, 10:03 UTC.
const NOW = Date.UTC(2026, 10, 30, 10, 3);
const utc = (d: number, h = 12, m = 0, y = 2026, mo = 10): number => Date.UTC(y, mo, d, h, m);

describe('formatDayLabel (thread day separators)', () => {
	it('says Today, Yesterday, then weekday day month, with a year when not this year', () => {
		expect(formatDayLabel(utc(30, 0, 1), NOW, 'UTC')).toBe('Today');
		expect(formatDayLabel(utc(29, 23, 59), NOW, 'UTC')).toBe('Yesterday');
		expect(formatDayLabel(utc(23), NOW, 'UTC')).toBe('Mon 23 Nov');
		expect(formatDayLabel(utc(2, 12, 0, 2026, 0), NOW, 'UTC')).toBe('Fri 2 Jan');
		expect(formatDayLabel(utc(31, 12, 0, 2025, 11), NOW, 'UTC')).toBe('Wed 31 Dec 2025');
		// A sender's clock in the future is not "Today".
		expect(formatDayLabel(utc(1, 12, 0, 2099, 0), NOW, 'UTC')).toBe('Thu 1 Jan 2099');
	});

	it('judges the calendar day in the given zone, not UTC or the process zone', () => {
		// 10:03 UTC is 23:48 in Chatham (+13:45) and 00:03 the next day in Kiritimati (+14).
		// 29 Nov 23:00 UTC is 29 Nov 11:00 in Etc/GMT+12 (UTC−12), where it is still 29 Nov 22:03.
		const lateUtc = utc(29, 23);
		expect(formatDayLabel(lateUtc, NOW, 'UTC')).toBe('Yesterday');
		expect(formatDayLabel(lateUtc, NOW, 'Etc/GMT+12')).toBe('Today');
		expect(formatDayLabel(utc(30, 10, 30), NOW, 'Pacific/Chatham')).toBe('Tue 1 Dec');
		expect(formatDayLabel(NOW, NOW, 'Pacific/Kiritimati')).toBe('Today');
		expect(dayKey(NOW, 'Pacific/Kiritimati')).toBe('2026-12-01');
		expect(dayKey(NOW, 'Etc/GMT+12')).toBe('2026-11-29');
		expect(calendarDaysBetween(utc(29, 10), NOW, 'Pacific/Chatham')).toBe(1);
	});

	it('gives the dated form before the first clock tick', () => {
		expect(formatDayLabel(utc(30), 0, 'UTC')).toBe('Mon 30 Nov 2026');
	});
});

describe('formatListTime (conversation list)', () => {
	it('shows the time today, the weekday this week, a date before', () => {
		expect(formatListTime(utc(30, 9, 7), NOW, 'UTC')).toBe('09:07');
		expect(formatListTime(utc(29, 9, 7), NOW, 'UTC')).toBe('Sun');
		expect(formatListTime(utc(24, 9, 7), NOW, 'UTC')).toBe('Tue');
		expect(formatListTime(utc(23, 9, 7), NOW, 'UTC')).toBe('23 Nov');
		expect(formatListTime(utc(23, 9, 7, 2025), NOW, 'UTC')).toBe('2025-11-23');
		expect(formatListTime(utc(1, 0, 0, 2099, 0), NOW, 'UTC')).toBe('2099-01-01');
	});

	it('uses the zone for both the time and the day', () => {
		expect(formatListTime(NOW, NOW, 'Pacific/Chatham')).toBe('23:48');
		expect(formatListTime(NOW, NOW, 'Pacific/Kiritimati')).toBe('00:03');
		// 29 Nov 22:00 UTC is Monday 30 Nov 12:00 in Kiritimati, where "today" is already 1 Dec.
		expect(formatListTime(utc(29, 22), NOW, 'UTC')).toBe('Sun');
		expect(formatListTime(utc(29, 22), NOW, 'Pacific/Kiritimati')).toBe('Mon');
	});
});

describe('formatTime, formatClock, formatTimestamp', () => {
	it('pins every reading to the zone given', () => {
		expect(formatClock(NOW, 'UTC')).toBe('10:03');
		expect(formatClock(NOW, 'Etc/GMT+12')).toBe('22:03');
		expect(formatTime(utc(30, 9), NOW, 'UTC')).toBe('09:00');
		expect(formatTime(utc(29, 9), NOW, 'UTC')).toBe('Yesterday 09:00');
		expect(formatTime(utc(20, 9), NOW, 'UTC')).toBe('2026-11-20 09:00');
		expect(formatTimestamp(Date.UTC(2026, 10, 30, 0, 0, 5), 'Pacific/Chatham')).toBe('2026-11-30 13:45:05');
	});

	it('turns a wall-clock reading in a zone back into the instant', () => {
		expect(instantOf({year: 2026, month: 1, day: 15, hour: 12, minute: 0, second: 0}, 'Europe/Berlin')).toBe(Date.UTC(2026, 0, 15, 11));
		expect(instantOf({year: 2026, month: 7, day: 15, hour: 12, minute: 0, second: 0}, 'Europe/Berlin')).toBe(Date.UTC(2026, 6, 15, 10));
		expect(instantOf({year: 2026, month: 12, day: 1, hour: 0, minute: 3, second: 0}, 'Pacific/Kiritimati')).toBe(NOW);
		// 02:30 does not exist in Berlin on 29 March 2026 (clocks jump 02:00 → 03:00): the earlier candidate.
		expect(instantOf({year: 2026, month: 3, day: 29, hour: 2, minute: 30, second: 0}, 'Europe/Berlin')).toBe(Date.UTC(2026, 2, 29, 0, 30));
	});

	it('recognises IANA names', () => {
		expect(isValidTimeZone('Pacific/Chatham')).toBe(true);
		expect(isValidTimeZone('Mars/Olympus')).toBe(false);
	});
});
