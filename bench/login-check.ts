// `npx tsx bench/login-check.ts`: what account mode adds to a chat start — one checkLogin
// (PostgreSQL scram-sha-256 login + SELECT 1, MQTT CONNACK + DISCONNECT, in parallel) against a
// private PostgreSQL and a private Mosquitto with a password file; accepted and refused passwords.
// Prints a markdown table (ms). BENCH_LOGINS sets the number of logins per row (default 50).
import {accountUrls} from '../src/cli/credentials.js';
import {checkLogin} from '../src/client/login-check.js';
import {accountServicesProblem, startAccountServices} from '../test/helpers/account-services.js';

const LOGINS = Number(process.env.BENCH_LOGINS ?? 50);

function percentile(sorted: number[], p: number): number {
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const problem = accountServicesProblem();
if (problem) {
	process.stderr.write(`bench: skipped — ${problem}\n`);
	process.exit(0);
}
const services = await startAccountServices();
try {
	await services.addAccount('alice', 'alice-bench-pw');
	const rows: string[] = [];
	for (const [label, password] of [['right password', 'alice-bench-pw'], ['wrong password', 'nope']] as const) {
		const urls = accountUrls({databaseUrl: services.databaseUrl, mqttUrl: services.mqttUrl}, 'alice', password);
		const times: number[] = [];
		for (let i = 0; i < LOGINS; i += 1) {
			const start = performance.now();
			const verdict = await checkLogin({...urls, clientIdPrefix: 'bench'});
			times.push(performance.now() - start);
			const expected = password === 'nope' ? 'refused' : 'accepted';
			if (verdict.database.kind !== expected || verdict.broker.kind !== expected) throw new Error(`unexpected verdict ${JSON.stringify(verdict)}`);
		}
		times.sort((a, b) => a - b);
		rows.push(`| ${label} | ${LOGINS} | ${percentile(times, 50).toFixed(1)} | ${percentile(times, 95).toFixed(1)} | ${times.at(-1)!.toFixed(1)} |`);
	}
	process.stdout.write(['| checkLogin | logins | median ms | p95 ms | max ms |', '| --- | --- | --- | --- | --- |', ...rows, ''].join('\n'));
} finally {
	await services.stop();
}
