// Text rendering of the `hermes-chat stats` report. Pure; may import core/ (sanitize) and store types.
import {sanitizeInline} from '../core/sanitize.js';
import type {StatsCount, StatsReport} from '../store/stats.js';

/** A delay for people: `40 ms`, `1.2 s`, `3.5 min`, `2.0 h`; `–` when unknown. */
export function formatDelay(ms: number | null): string {
	if (ms === null) return '–';
	if (ms < 1_000) return `${ms} ms`;
	if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
	if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
	return `${(ms / 3_600_000).toFixed(1)} h`;
}

const count = (n: number) => n.toLocaleString('en-US');

function table(title: string, rows: readonly StatsCount[]): string[] {
	if (rows.length === 0) return [];
	const names = rows.map((r) => sanitizeInline(r.name === r.id ? r.id : `${r.name} (${r.id})`).slice(0, 60));
	const width = Math.max(title.length, ...names.map((n) => n.length));
	return ['', `${title.padEnd(width)}  messages`, ...rows.map((r, i) => `${names[i]!.padEnd(width)}  ${count(r.messages).padStart(8)}`)];
}

/**
 * The report as text lines: the range and when the views were refreshed, totals with median
 * delays, one line per UTC day, then the most active users and conversations. Names are
 * sanitized (they are untrusted text bound for a terminal).
 */
export function formatStats(report: StatsReport): string {
	const lines = [
		`Messages ${report.from} … ${report.to} (UTC days), as of ${report.refreshedAt.replace('T', ' ').slice(0, 16)} UTC`,
		`total ${count(report.messages)}   median delivery ${formatDelay(report.delivery.medianMs)} (${count(report.delivery.count)} ${report.delivery.count === 1 ? 'delivery' : 'deliveries'})   median read ${formatDelay(report.read.medianMs)} (${count(report.read.count)} ${report.read.count === 1 ? 'read' : 'reads'})`,
		'',
		'day         messages  delivery      read',
		...report.days.map((d) => `${d.day}  ${count(d.messages).padStart(8)}  ${formatDelay(d.medianDeliveryMs).padStart(8)}  ${formatDelay(d.medianReadMs).padStart(8)}`),
		...table('user', report.users),
		...table('conversation', report.conversations),
	];
	return `${lines.join('\n')}\n`;
}
