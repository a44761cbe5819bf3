// Imported first by bench/run.ts: with BENCH_QUICK=1 the sections that read their sizes from the
// environment at import time (history, hub, startup) get smoke-run sizes, unless set explicitly.
const quick = ['1', 'true', 'yes'].includes(process.env.BENCH_QUICK ?? '');
const SMOKE: Record<string, string> = {
	BENCH_HISTORY_MESSAGES: '20000',
	BENCH_HISTORY_ROUNDS: '1',
	BENCH_HISTORY_CALLS: '3',
	BENCH_HUB_MESSAGES: '2000',
	BENCH_HUB_ROUNDS: '1',
	BENCH_HUB_BURSTS: '2',
	BENCH_STARTUP_ROUNDS: '2',
};
if (quick) for (const [name, value] of Object.entries(SMOKE)) process.env[name] ??= value;
