import {describe, expect, it} from 'vitest';
import type {StatsReport} from '../store/stats.js';
import {formatDelay, formatStats} from './stats-format.js';

describe('formatDelay', () => {
	it.each([[null, '–'], [0, '0 ms'], [999, '999 ms'], [1_200, '1.2 s'], [90_000, '1.5 min'], [7_200_000, '2.0 h']])('%j → %s', (ms, text) => {
		expect(formatDelay(ms)).toBe(text);
	});
});

describe('formatStats', () => {
	const report: StatsReport = {
		from: '2026-05-09', to: '2026-05-10', refreshedAt: '2026-05-10T19:55:12.000Z', messages: 1_204,
		days: [{day: '2026-05-09', messages: 4, medianDeliveryMs: 40, medianReadMs: null}, {day: '2026-05-10', messages: 1_200, medianDeliveryMs: 1_200, medianReadMs: 60_000}],
		users: [{id: 'alice', name: 'Alice \u001b[31mA', messages: 1_000}, {id: 'bob', name: 'bob', messages: 204}],
		conversations: [{id: 'room-ops', name: 'Ops', messages: 1_204}],
		delivery: {medianMs: 1_200, count: 900}, read: {medianMs: 60_000, count: 12},
	};

	it('prints the range, totals, one line per day and the top users and conversations, names sanitized', () => {
		const text = formatStats(report);
		expect(text).toBe([
			'Messages 2026-05-09 … 2026-05-10 (UTC days), as of 2026-05-10 19:55 UTC',
			'total 1,204   median delivery 1.2 s (900 deliveries)   median read 1.0 min (12 reads)',
			'',
			'day         messages  delivery      read',
			'2026-05-09         4     40 ms         –',
			'2026-05-10     1,200     1.2 s   1.0 min',
			'',
			// The escape is shown as a visible symbol (core/sanitize), never sent to the terminal.
			'user                  messages',
			'Alice \u241b[31mA (alice)     1,000',
			'bob                        204',
			'',
			'conversation    messages',
			'Ops (room-ops)     1,204',
			'',
		].join('\n'));
	});

	it('says one delivery and one read in the singular', () => {
		const one = formatStats({...report, delivery: {medianMs: 50, count: 1}, read: {medianMs: 2_000, count: 1}});
		expect(one.split('\n')[1]).toBe('total 1,204   median delivery 50 ms (1 delivery)   median read 2.0 s (1 read)');
	});
});
