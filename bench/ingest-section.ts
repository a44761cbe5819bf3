// `npm run bench` section "ingest": N messages (~300 bytes, QoS 1) from separate publisher
// processes, open loop, into `hermes-chat ingest`, against its baselines in the same run —
// pass-through, echo, COPY, one INSERT per message — in interleaved rounds (order rotated each
// round), medians reported. Also the scale-out section: 1 → 2 → 4 ingesters, one shared subscription.
import {cpus, loadavg} from 'node:os';
import {join} from 'node:path';
import {createTemplate, ingestProblem, measureBroker, measureIngest, SINK_QUIET_MS, type ModeContext, type ModeResult} from './ingest-modes.js';
import {measureCopy, measureOneInsert} from './sql-modes.js';
import {postgresBinDir} from './private-postgres.js';
import {median} from './procs.js';
import type {BenchSection, BenchServices} from './section.js';

/** Publisher processes (the machine has 2 cores; more would only queue on them). */
const PUBLISHERS = Number(process.env.BENCH_PUBLISHERS ?? 2);

function messagesFor(services: BenchServices): number {
	return Number(process.env.BENCH_MESSAGES ?? (services.quick ? 5_000 : 100_000));
}

/** Interleaved rounds: BENCH_ROUNDS, at least 3 (1 in a BENCH_QUICK smoke run). */
export function roundsFor(services: BenchServices): number {
	return Math.max(services.quick ? 1 : 3, Number(process.env.BENCH_ROUNDS ?? (services.quick ? 1 : 3)));
}

/** Rows of the one-INSERT baseline per round (BENCH_INSERT_MESSAGES; default 10,000). */
const INSERT_SAMPLE = Number(process.env.BENCH_INSERT_MESSAGES ?? 10_000);

/** Run `modes` `rounds` times, the order rotated every round; returns every result by mode. */
async function interleaved(services: BenchServices, rounds: number, modes: Array<[string, () => Promise<ModeResult>]>): Promise<Map<string, ModeResult[]>> {
	const results = new Map<string, ModeResult[]>(modes.map(([name]) => [name, []]));
	for (let round = 0; round < rounds; round++) {
		const order = modes.map((_, i) => modes[(i + round) % modes.length]!);
		for (const [name, run] of order) {
			const result = await run();
			results.get(name)!.push(result);
			const check = result.lost === undefined ? `, ${result.arrived} of ${result.messages} arrived` : `, lost ${result.lost}, duplicated ${result.duplicated}`;
			services.log(`  round ${round + 1}/${rounds} ${name}: ${result.perSecond} msg/s (${result.elapsedMs} ms${check}), load ${result.loadavg1.toFixed(2)}`);
		}
	}
	return results;
}

/** Per mode: median msg/s, worst lost/duplicated, median CPU µs per message per process kind. */
export interface ModeSummary {
	mode: string;
	rounds: number;
	medianPerSecond: number;
	perSecond: number[];
	lost?: number;
	duplicated?: number;
	/** Broker modes: the fewest messages that arrived in a round. */
	arrived?: number;
	cpuUsPerMessage: Record<string, number>;
	cpuUsPerMessageTotal: number;
}

function summarise(mode: string, results: ModeResult[]): ModeSummary {
	const kinds = [...new Set(results.flatMap((r) => Object.keys(r.cpuUsPerMessage)))];
	const cpu = Object.fromEntries(kinds.map((kind) => [kind, Math.round(median(results.map((r) => r.cpuUsPerMessage[kind] ?? 0)) * 10) / 10]));
	const summary: ModeSummary = {
		mode,
		rounds: results.length,
		medianPerSecond: Math.round(median(results.map((r) => r.perSecond))),
		perSecond: results.map((r) => r.perSecond),
		cpuUsPerMessage: cpu,
		cpuUsPerMessageTotal: Math.round(Object.values(cpu).reduce((a, b) => a + b, 0) * 10) / 10,
	};
	if (results.some((r) => r.arrived !== undefined)) summary.arrived = Math.min(...results.map((r) => r.arrived ?? 0));
	if (results.some((r) => r.lost !== undefined)) {
		summary.lost = Math.max(...results.map((r) => r.lost ?? 0));
		summary.duplicated = Math.max(...results.map((r) => r.duplicated ?? 0));
	}
	return summary;
}

const fmt = (n: number) => n.toLocaleString('en-US');
const cpuText = (s: ModeSummary) => Object.entries(s.cpuUsPerMessage).map(([kind, us]) => `${kind} ${us}`).join(', ');

async function context(services: BenchServices, template: string): Promise<ModeContext> {
	await createTemplate(services, template);
	return {services, messages: messagesFor(services), publishers: PUBLISHERS, template};
}

/** The ingest section (issue 12, outcomes 1 and 2): ingester and its four baselines. */
export async function runIngestSection(services: BenchServices): Promise<BenchSection> {
	const problem = ingestProblem();
	if (problem) throw new Error(problem);
	const ctx = await context(services, 'bench_ingest_template');
	const rounds = roundsFor(services);
	const psql = join(postgresBinDir() ?? '/usr/bin', 'psql');
	services.log(`ingest: ${fmt(ctx.messages)} messages from ${ctx.publishers} publisher processes, ${rounds} interleaved rounds`);
	const loadBefore = loadavg();
	const results = await interleaved(services, rounds, [
		['pass-through', () => measureBroker(ctx, 'count')],
		['echo', () => measureBroker(ctx, 'echo')],
		['ingest', () => measureIngest(ctx, 1)],
		['COPY', () => measureCopy(ctx, psql)],
		['one INSERT', () => measureOneInsert(ctx, INSERT_SAMPLE)],
	]);
	const loadAfter = loadavg();
	const s = Object.fromEntries([...results].map(([name, r]) => [name, summarise(name, r)])) as Record<string, ModeSummary>;
	const ingest = s.ingest!;
	const ratio = (other: string) => Math.round((ingest.medianPerSecond / s[other]!.medianPerSecond) * 100) / 100;
	const ratios = {ingestOverPassThrough: ratio('pass-through'), ingestOverEcho: ratio('echo'), ingestOverCopy: ratio('COPY'), ingestOverOneInsert: ratio('one INSERT')};
	const row = (label: string, summary: ModeSummary, check: string) =>
		`| ${label} | **${fmt(summary.medianPerSecond)}** | ${summary.perSecond.map(fmt).join(' / ')} | ${check} | ${cpuText(summary)} (Σ ${summary.cpuUsPerMessageTotal}) |`;
	const stored = (summary: ModeSummary) => `${summary.lost} lost, ${summary.duplicated} dup.`;
	// Pass-through: publishes received; echo: messages whose three publishes were all PUBACKed.
	const arrived = (summary: ModeSummary, what: string) =>
		summary.arrived === ctx.messages ? `no database; all ${what}` : `no database; only ${fmt(summary.arrived ?? 0)} ${what} (nothing more for ${SINK_QUIET_MS / 1000} s)`;
	const markdown = [
		`### Ingest: ${fmt(ctx.messages)} messages of ~300 bytes, QoS 1, ${ctx.publishers} publisher processes, open loop`,
		'',
		`Medians of ${rounds} interleaved rounds; msg/s from the first publish to the last delivery / echo / commit. CPU in µs per message per process kind (from /proc and the processes' own counters).`,
		'',
		'| mode | msg/s (median) | rounds | stored rows (worst round) | CPU µs / message |',
		'| --- | --- | --- | --- | --- |',
		row('Mosquitto pass-through (→ 1 subscriber, no database)', s['pass-through']!, arrived(s['pass-through']!, 'arrived')),
		row('echo pipeline (the ingester\'s MQTT traffic: 2 inbox copies + 1 receipt per message, no database)', s.echo!, arrived(s.echo!, 'echoed')),
		row('**`hermes-chat ingest`** (rows committed, ✓ published)', ingest, stored(ingest)),
		row('COPY of the same rows (`psql`)', s.COPY!, stored(s.COPY!)),
		row(`one autocommit INSERT per message (the source system's way; first ${fmt(Math.min(INSERT_SAMPLE, ctx.messages))} rows)`, s['one INSERT']!, stored(s['one INSERT']!)),
		'',
		`Ingest ÷ pass-through **${ratios.ingestOverPassThrough}×**, ÷ echo ${ratios.ingestOverEcho}×, ÷ COPY ${ratios.ingestOverCopy}×, ÷ one INSERT **${ratios.ingestOverOneInsert}×**. ` +
			`Load average (1 min) ${loadBefore[0]!.toFixed(2)} before, ${loadAfter[0]!.toFixed(2)} after.`,
		'',
	].join('\n');
	return {id: 'ingest', markdown, data: {messages: ctx.messages, publishers: ctx.publishers, rounds, summaries: s, ratios, results: Object.fromEntries(results), loadavg: {before: loadBefore, after: loadAfter}}};
}

/** The scale-out section (issue 12, outcome 7): 1, 2 and 4 ingesters in one shared subscription. */
export async function runScaleOutSection(services: BenchServices): Promise<BenchSection> {
	const problem = ingestProblem();
	if (problem) throw new Error(problem);
	const ctx = await context(services, 'bench_scale_template');
	const rounds = roundsFor(services);
	const counts = [1, 2, 4];
	services.log(`scale-out: ${fmt(ctx.messages)} messages into 1, 2 and 4 ingesters, ${rounds} interleaved rounds`);
	const loadBefore = loadavg();
	const results = await interleaved(services, rounds, counts.map((n) => [`${n}`, () => measureIngest(ctx, n)]));
	const loadAfter = loadavg();
	const summaries = counts.map((n) => summarise(`${n}`, results.get(`${n}`)!));
	const busiest = (n: number) => median(results.get(`${n}`)!.map((r) => Math.max(...((r.notes?.ingesterCpuSharePerProcess as number[] | undefined) ?? [0]))));
	const markdown = [
		`### Scale-out: ${fmt(ctx.messages)} messages into 1 → 2 → 4 \`hermes-chat ingest\` on one shared subscription`,
		'',
		'| ingesters | rows/s (median) | rounds | stored rows | busiest ingester, cores | CPU µs / message |',
		'| --- | --- | --- | --- | --- | --- |',
		...summaries.map((sum, i) => `| ${counts[i]} | **${fmt(sum.medianPerSecond)}** | ${sum.perSecond.map(fmt).join(' / ')} | ${sum.lost} lost, ${sum.duplicated} dup. | ${busiest(counts[i]!).toFixed(2)} | ${cpuText(sum)} (Σ ${sum.cpuUsPerMessageTotal}) |`),
		'',
		capacityLine(summaries[0]!),
		'',
		`Load average (1 min) ${loadBefore[0]!.toFixed(2)} before, ${loadAfter[0]!.toFixed(2)} after.`,
		'',
	].join('\n');
	return {id: 'scale-out', markdown, data: {messages: ctx.messages, rounds, summaries, capacity: capacity(summaries[0]!), results: Object.fromEntries(results), loadavg: {before: loadBefore, after: loadAfter}}};
}

/**
 * The capacity model from one ingester's CPU per message: msg/s one core of each process kind
 * sustains (10⁶ µs ÷ its µs per message), and the ceiling of a machine with `cores` cores
 * running all of them (10⁶ × cores ÷ the sum; publishers excluded: they are the clients).
 */
export function capacity(single: ModeSummary, cores = cpus().length): Record<string, number> {
	const perCore = (us: number | undefined) => (us ? Math.round(1_000_000 / us) : Number.NaN);
	const {ingester, postgres, mosquitto} = single.cpuUsPerMessage;
	const server = (ingester ?? 0) + (postgres ?? 0) + (mosquitto ?? 0);
	return {ingesterCore: perCore(ingester), postgresCore: perCore(postgres), mosquittoCore: perCore(mosquitto), machineCeiling: Math.round(perCore(server) * cores), cores};
}

function capacityLine(single: ModeSummary): string {
	const c = capacity(single);
	return `Capacity model (CPU per message of the 1-ingester rounds): one core runs **${fmt(c.ingesterCore!)} msg/s of ingester**, ` +
		`${fmt(c.postgresCore!)} msg/s of PostgreSQL, ${fmt(c.mosquittoCore!)} msg/s of Mosquitto; all three on these ${c.cores} cores: ≤ ${fmt(c.machineCeiling!)} msg/s.`;
}
