// Does this account get in? One connection to PostgreSQL and one to the MQTT broker with the
// account's credentials, before the chat starts, so a refused password is a clear line and a
// new question instead of a chat that retries forever. May import live/ and store/.
import {randomBytes} from 'node:crypto';
import {connectBroker} from '../live/connect.js';
import {CLIENT_SESSION, openDb} from '../store/db.js';

/**
 * Why a service refused the account:
 * - `wrong-password`: PostgreSQL 28P01 (invalid_password; with scram-sha-256 an unknown role
 *   gets it too), MQTT CONNACK 0x86 / 3.1.1 code 4 (bad user name or password), and 0x87 / 5
 *   (not authorized), which is what Mosquitto 2 answers for a wrong password;
 * - `disabled-or-unknown`: PostgreSQL 28000 (invalid_authorization_specification, e.g. a role
 *   without LOGIN or no pg_hba entry), MQTT 0x8C (bad authentication method).
 */
export type LoginRefusal = 'wrong-password' | 'disabled-or-unknown';

/** What one service said: let in, refused (and why), or could not be asked (with the one-line reason). */
export type ServiceAnswer = {kind: 'accepted'} | {kind: 'refused'; refusal: LoginRefusal} | {kind: 'unreachable'; detail: string};

/** The answers of both services, see {@link checkLogin}. */
export interface LoginCheck {
	database: ServiceAnswer;
	broker: ServiceAnswer;
}

/** Options for {@link checkLogin}. */
export interface LoginCheckOptions {
	/** `postgres://user:password@host:port/db`. */
	databaseUrl: string;
	/** `mqtt://user:password@host:port`. */
	mqttUrl: string;
	/** Client id prefix for the broker probe (a random suffix is added, so a running client is never kicked). */
	clientIdPrefix: string;
	/** How long each service may take to answer, in ms (default 5000). */
	timeoutMs?: number;
}

/**
 * Connect once to PostgreSQL (`SELECT 1`) and once to the broker (CONNACK, then DISCONNECT),
 * in parallel, and classify each answer. Nothing is published or subscribed. Never throws.
 */
export async function checkLogin(options: LoginCheckOptions): Promise<LoginCheck> {
	const timeoutMs = options.timeoutMs ?? 5_000;
	const [database, broker] = await Promise.all([
		checkDatabase(options.databaseUrl, timeoutMs),
		checkBroker(options.mqttUrl, `${options.clientIdPrefix}-login-${randomBytes(4).toString('hex')}`, timeoutMs),
	]);
	return {database, broker};
}

/**
 * The refusal a login `error` means, or `undefined` for any other failure.
 * PostgreSQL: SQLSTATE `code` 28P01 / 28000 (PostgreSQL docs, Appendix A, class 28).
 * MQTT: mqtt.js `code` — 3.1.1 CONNACK return codes 4 / 5 (MQTT 3.1.1 §3.2.2.3) and MQTT 5 reason
 * codes 0x86 / 0x87 / 0x8C (MQTT 5.0 §3.2.2.2).
 */
export function loginRefusal(error: unknown, service: 'database' | 'broker'): LoginRefusal | undefined {
	const code = (error as {code?: unknown})?.code;
	if (service === 'database') {
		if (code === '28P01') return 'wrong-password';
		if (code === '28000') return 'disabled-or-unknown';
		return undefined;
	}
	if (code === 4 || code === 5 || code === 0x86 || code === 0x87) return 'wrong-password';
	if (code === 0x8c) return 'disabled-or-unknown';
	return undefined;
}

async function checkDatabase(databaseUrl: string, timeoutMs: number): Promise<ServiceAnswer> {
	const db = openDb({databaseUrl, max: 1, applicationName: 'hermes-chat-login', connectionTimeoutMs: timeoutMs, onError: () => undefined, ...CLIENT_SESSION});
	try {
		await db.query('SELECT 1');
		return {kind: 'accepted'};
	} catch (error) {
		const refusal = loginRefusal(error, 'database');
		return refusal ? {kind: 'refused', refusal} : {kind: 'unreachable', detail: firstLine(error)};
	} finally {
		await db.close().catch(() => undefined);
	}
}

async function checkBroker(mqttUrl: string, clientId: string, timeoutMs: number): Promise<ServiceAnswer> {
	try {
		const {client} = await connectBroker({url: mqttUrl, clientId, connectTimeoutMs: timeoutMs, reconnectPeriodMs: 0});
		await client.endAsync();
		return {kind: 'accepted'};
	} catch (error) {
		const refusal = loginRefusal(error, 'broker');
		return refusal ? {kind: 'refused', refusal} : {kind: 'unreachable', detail: firstLine(error)};
	}
}

function firstLine(error: unknown): string {
	return ((error as Error)?.message ?? String(error)).split('\n')[0]!;
}
