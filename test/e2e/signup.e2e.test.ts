// End to end, in a real terminal: the first run in account mode with HERMES_SIGNUP_PASSWORD offers
// sign-up; a taken id is refused and asked again; a new one is created by a real
// `hermes-chat ingest --allow-signup` on a private Mosquitto with the dynamic-security plugin and
// the real PostgreSQL, and the chat opens logged in with it — no password ever on the screen.
import {execFile} from 'node:child_process';
import {randomUUID} from 'node:crypto';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import pg from 'pg';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {readSavedPassword} from '../../src/cli/credentials.js';
import {requestSignup} from '../../src/live/signup-link.js';
import {createTestDatabase, isPostgresReachable, TEST_PG_ADMIN_URL, type TestDatabase} from '../helpers/db.js';
import {HAS_DYNSEC, startDynsecBroker, type DynsecBroker} from '../helpers/dynsec-broker.js';
import {spawnIngest, type IngestProcess} from '../helpers/ingest-process.js';
import {startTerminal, type TerminalSession} from '../helpers/terminal.js';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const run = promisify(execFile);
const base = 'chat/messages';
const hasPostgres = await isPostgresReachable();

describe.skipIf(!HAS_DYNSEC || !hasPostgres)('sign-up on the first-run screen', () => {
	let broker: DynsecBroker;
	let db: TestDatabase;
	let ingest: IngestProcess;
	let home: string;
	let terminal: TerminalSession | undefined;
	const ingesterPassword = `ingester-${randomUUID()}`;
	const signupPassword = `signup-${randomUUID()}`;
	const taken = `taken${randomUUID().slice(0, 8)}`;
	const fresh = `fresh${randomUUID().slice(0, 8)}`;
	const password = `Tr0ub4dor:&3-${randomUUID().slice(0, 4)}`;

	beforeAll(async () => {
		broker = await startDynsecBroker();
		db = await createTestDatabase();
		home = await mkdtemp(join(tmpdir(), 'hermes-signup-e2e-'));
		const adminUrl = broker.url(broker.adminUser, broker.adminPassword);
		await run(process.execPath, [CLI, 'account', 'setup-broker'], {
			env: {...process.env, MQTT_ADMIN_URL: adminUrl, INGESTER_MQTT_PASSWORD: ingesterPassword, HERMES_SIGNUP_PASSWORD: signupPassword},
		});
		ingest = spawnIngest(['--allow-signup'], {MQTT_URL: broker.url('ingester', ingesterPassword), DATABASE_URL: db.url, MQTT_TOPIC: base, MQTT_ADMIN_URL: adminUrl});
		await ingest.waitForLog((line) => line.msg === 'ingester running');
		expect(await requestSignup({mqttUrl: broker.url('signup', signupPassword), topicBase: base, userId: taken, password: 'somebody else'})).toEqual({v: 1, ok: true});
	});

	afterAll(async () => {
		await terminal?.close();
		ingest?.kill();
		await broker?.stop();
		await db?.drop();
		if (home) await rm(home, {recursive: true, force: true});
		const admin = new pg.Client({connectionString: TEST_PG_ADMIN_URL});
		await admin.connect();
		for (const id of [taken, fresh]) await admin.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(id)}`).catch(() => {});
		await admin.end();
	});

	it('refuses a taken id, creates a new account and opens the chat logged in with it', async () => {
		terminal = startTerminal({
			command: process.execPath,
			args: [CLI],
			env: {
				HERMES_HOME: home,
				DATABASE_URL: db.url.replace(/\/\/[^@/]*@/, '//'),
				MQTT_URL: `mqtt://127.0.0.1:${broker.port}`,
				MQTT_TOPIC: base,
				HERMES_SIGNUP_PASSWORD: signupPassword,
				HERMES_PASSWORD: undefined,
				CHAT_USER_ID: undefined,
				CHAT_USER_NAME: undefined,
				POSTGRES_HOST: undefined,
				MQTT_BROKER_HOST: undefined,
			},
			cols: 100,
			rows: 28,
		});
		const t = terminal;
		await t.waitFor('Press Enter to sign up');
		t.write('\r');
		await t.waitFor('pick your user id');
		t.write(`${taken}\r`);
		await t.waitFor(`Password for ${taken}:`);
		t.write(`${password}\r`);
		await t.waitFor('Again:');
		t.write(`${password}\r`);
		await t.waitFor(/sign-up refused: that id is taken[\s\S]*pick your user id/, 20_000);
		t.write(`${fresh}\r`);
		await t.waitFor(`Password for ${fresh}:`);
		t.write(`${password}\r`);
		await t.waitFor(/Again:\s*$/);
		t.write(`${password}\r`);
		await t.waitFor(`account ${fresh} created`, 20_000);
		await t.waitFor(`Display name [${fresh}]:`);
		t.write('Fresh Person\r');
		await t.waitFor(`Fresh Person (${fresh})`, 20_000);
		await t.waitFor(/broker up │ db up/, 20_000);
		expect(t.output()).not.toContain(password);
		expect(t.output()).not.toContain(signupPassword);
		// Logged in with the chosen password, which is kept like a typed one.
		expect(await readSavedPassword(home, fresh)).toBe(password);
		t.write('/quit\r');
	});
});
