// `npx tsx bench/signup-run.ts`: what one self sign-up costs end to end (issue 9): connect as
// `signup`, request, the ingester checks the rules and creates the account on PostgreSQL (scrypt +
// SCRAM verifier, role, grants) and on Mosquitto's dynamic-security plugin, reply. Sequential
// requests against a private Mosquitto with the plugin, the machine's PostgreSQL (a test database)
// and a real `hermes-chat ingest --allow-signup` (dist/ must be built). Prints JSON; the roles it
// made are dropped afterwards.
import {execFile} from 'node:child_process';
import {randomUUID} from 'node:crypto';
import {promisify} from 'node:util';
import pg from 'pg';
import {requestSignup} from '../src/live/signup-link.js';
import {createTestDatabase, TEST_PG_ADMIN_URL} from '../test/helpers/db.js';
import {startDynsecBroker} from '../test/helpers/dynsec-broker.js';
import {spawnIngest} from '../test/helpers/ingest-process.js';
import {percentile, round} from './lib.js';

const SAMPLES = Number(process.env.BENCH_SIGNUP_SAMPLES ?? 30);
const CLI = new URL('../dist/cli/main.js', import.meta.url).pathname;
const base = 'chat/messages';

const broker = await startDynsecBroker();
const db = await createTestDatabase();
const ids: string[] = [];
const ingesterPassword = `ingester-${randomUUID()}`;
const signupPassword = `signup-${randomUUID()}`;
const adminUrl = broker.url(broker.adminUser, broker.adminPassword);
await promisify(execFile)(process.execPath, [CLI, 'account', 'setup-broker'], {
	env: {...process.env, MQTT_ADMIN_URL: adminUrl, INGESTER_MQTT_PASSWORD: ingesterPassword, HERMES_SIGNUP_PASSWORD: signupPassword},
});
const ingest = spawnIngest(['--allow-signup', `--signups-per-minute=${SAMPLES + 10}`], {
	MQTT_URL: broker.url('ingester', ingesterPassword),
	DATABASE_URL: db.url,
	MQTT_ADMIN_URL: adminUrl,
});
try {
	await ingest.waitForLog((line) => line.msg === 'ingester running');
	const samples: number[] = [];
	for (let i = 0; i < SAMPLES; i++) {
		const userId = `bench${randomUUID().slice(0, 8)}`;
		ids.push(userId);
		const started = performance.now();
		const reply = await requestSignup({mqttUrl: broker.url('signup', signupPassword), topicBase: base, userId, password: `pw-${randomUUID()}`});
		samples.push(performance.now() - started);
		if (!reply.ok) throw new Error(`sign-up refused: ${reply.error}`);
	}
	process.stdout.write(`${JSON.stringify({samples: SAMPLES, medianMs: round(percentile(samples, 50), 1), p95Ms: round(percentile(samples, 95), 1), maxMs: round(Math.max(...samples), 1)})}\n`);
} finally {
	ingest.kill();
	await broker.stop();
	await db.drop();
	const admin = new pg.Client({connectionString: TEST_PG_ADMIN_URL});
	await admin.connect();
	for (const id of ids) await admin.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(id)}`).catch(() => {});
	await admin.end();
}
