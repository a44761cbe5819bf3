// Shared set-up of fault scenarios: whether the machine's services are there, a fresh topic
// base, and the end-of-scenario count over several chat processes.
import {randomUUID} from 'node:crypto';
import {isPostgresReachable, TEST_PG_ADMIN_URL} from '../../helpers/db.js';
import {isBrokerReachable, TEST_MQTT_URL} from '../../helpers/targets.js';
import {countOutcome, messageKey, readStored, type Outcome, type SentMessage} from './checker.js';
import type {ChatProcess} from './processes.js';

/** When set (CI), a scenario whose services are missing fails instead of being skipped. */
export const REQUIRE_SERVICES = process.env.HERMES_REQUIRE_SERVICES === '1';

/** Why the shared Mosquitto + PostgreSQL scenarios cannot run here (undefined: they can). */
export async function sharedServicesProblem(): Promise<string | undefined> {
	if (!(await isPostgresReachable())) return `PostgreSQL unreachable at ${TEST_PG_ADMIN_URL}`;
	if (!(await isBrokerReachable(TEST_MQTT_URL))) return `MQTT broker unreachable at ${TEST_MQTT_URL}`;
	return undefined;
}

/** Skip only when the reason is real and CI does not require the services. */
export function shouldSkip(problem: string | undefined): boolean {
	return problem !== undefined && !REQUIRE_SERVICES;
}

/** A topic base no other suite uses: `f-<random>/messages`. */
export function freshTopicBase(): string {
	return `f-${randomUUID().slice(0, 8)}/messages`;
}

/** The messages ({@link messageKey}s) each sender had confirmed at this moment (the snapshot taken when a fault is injected). */
export function ackedNow(senders: ChatProcess[]): Set<string> {
	return new Set(senders.flatMap((s) => [...s.acked].map((id) => messageKey(s.userId, id))));
}

/**
 * Count a scenario's outcome: everything `senders` reported sent (plus `others`, messages
 * published by raw MQTT clients, which must be stored as well) against `databaseUrl`'s rows;
 * arrivals summed over `receivers` (a message reported twice by one receiver is a duplicate).
 */
export async function observe(databaseUrl: string, senders: ChatProcess[], ackedBeforeFault: Set<string>, receivers: ChatProcess[] = [], others: SentMessage[] = []): Promise<Outcome> {
	const published = [...senders.flatMap((s) => [...s.sent].map(([id, content]) => ({id, content, senderId: s.userId}))), ...others];
	const arrivals = new Map<string, number>();
	for (const receiver of receivers) for (const [id, n] of receiver.arrived) arrivals.set(`${receiver.userId}:${id}`, n);
	return countOutcome({
		published,
		acked: ackedNow(senders),
		ackedBeforeFault,
		stored: await readStored(databaseUrl),
		arrivals,
	});
}
