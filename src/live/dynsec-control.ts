// Request/response over Mosquitto's dynamic-security control topic, as mosquitto_ctrl does it.
// live/ is the only importer of mqtt; this file may import mqtt (via connect.ts), zod and accounts/.
import {randomUUID} from 'node:crypto';
import {z} from 'zod';
import {AccountError} from '../accounts/backend.js';
import {connectBroker, redact, type BrokerConnection} from './connect.js';

/** Where commands go (Mosquitto plugins/dynamic-security/README.md: `$CONTROL/<feature>/v1`). */
export const CONTROL_TOPIC = '$CONTROL/dynamic-security/v1';
/** Where the plugin answers, to every subscriber (so each command carries a correlationData). */
export const RESPONSE_TOPIC = `${CONTROL_TOPIC}/response`;

/** One command: `{command: 'createClient', username, …}` as the plugin's README documents it. */
export type DynsecCommand = {command: string} & Record<string, unknown>;

/** The plugin's answer to one command: `error` (one line) when it refused, `data` for getters. */
export interface DynsecResponse {
	command: string;
	error?: string;
	data?: unknown;
}

const responseSchema = z.object({
	responses: z.array(
		z.looseObject({command: z.string(), error: z.string().optional(), data: z.unknown().optional(), correlationData: z.string().optional()}),
	),
});

/** Options for {@link connectDynsecControl}. */
export interface DynsecControlOptions {
	/** `mqtt://<admin>:<password>@host:port` of a client with the dynsec admin role. */
	adminUrl: string;
	/** How long one batch of commands may wait for its answer, ms (default 5000). */
	timeoutMs?: number;
}

/** A connection to the control topic. */
export interface DynsecControl {
	/** The admin's MQTT username (never a chat account). */
	readonly adminUsername: string;
	/**
	 * Send `commands` in one publish; the plugin runs them in order and answers each.
	 * @returns one response per command, in order.
	 * @throws AccountError `unavailable` when no answer comes within the timeout (plugin not
	 *   loaded, broker gone) or the publish is refused.
	 */
	run(commands: readonly DynsecCommand[]): Promise<DynsecResponse[]>;
	/** Disconnect (forced after 2 s). Never throws. */
	close(): Promise<void>;
}

/**
 * Connect as the dynsec admin and subscribe to the response topic.
 * @throws AccountError `unavailable` when the broker cannot be reached, refuses the admin's
 *   credentials or refuses it the control topic (not an admin).
 */
export async function connectDynsecControl(options: DynsecControlOptions): Promise<DynsecControl> {
	const timeoutMs = options.timeoutMs ?? 5_000;
	const where = redact(options.adminUrl);
	let adminUsername: string;
	try {
		adminUsername = decodeURIComponent(new URL(options.adminUrl).username);
	} catch {
		throw new AccountError('unavailable', `MQTT_ADMIN_URL is not a URL: ${where}`);
	}
	if (!adminUsername) throw new AccountError('unavailable', `MQTT_ADMIN_URL names no user: ${where} (mqtt://<admin>:<password>@host:port)`);
	let connection: BrokerConnection;
	try {
		connection = await connectBroker({url: options.adminUrl, clientId: `hermes-admin-${randomUUID().slice(0, 8)}`, reconnectPeriodMs: 1_000});
	} catch (error) {
		throw new AccountError('unavailable', (error as Error).message);
	}
	const {client} = connection;
	client.on('error', () => {}); // a later failure shows as a command timeout
	const waiting = new Map<string, (response: DynsecResponse) => void>();
	client.on('message', (topic, bytes) => {
		if (topic !== RESPONSE_TOPIC) return;
		let parsed: z.infer<typeof responseSchema>;
		try {
			parsed = responseSchema.parse(JSON.parse(bytes.toString('utf8')));
		} catch {
			return; // not ours to judge: another admin's tool may answer here too
		}
		for (const {correlationData, ...response} of parsed.responses) {
			const resolve = correlationData === undefined ? undefined : waiting.get(correlationData);
			if (!resolve) continue;
			waiting.delete(correlationData!);
			resolve(response);
		}
	});
	try {
		// mqtt.js 5 rejects a refused SUBSCRIBE; a 3.1.1 broker answers 0x80 instead.
		const [grant] = await client.subscribeAsync(RESPONSE_TOPIC, {qos: 1});
		if (!grant || grant.qos > 2) throw new Error(`SUBACK ${grant?.qos}`);
	} catch (error) {
		client.end(true);
		throw new AccountError(
			'unavailable',
			`${where}: the broker refused ${adminUsername} the control topic (${(error as Error).message}): not a dynamic-security admin, or the plugin is not loaded`,
		);
	}
	return {
		adminUsername,
		async run(commands) {
			const ids = commands.map(() => randomUUID());
			const answers = ids.map((id) => new Promise<DynsecResponse>((resolve) => waiting.set(id, resolve)));
			const payload = JSON.stringify({commands: commands.map((command, index) => ({...command, correlationData: ids[index]}))});
			let timer: NodeJS.Timeout | undefined;
			const timeout = new Promise<never>((_resolve, reject) => {
				timer = setTimeout(
					() => reject(new AccountError('unavailable', `no answer from Mosquitto's dynamic-security plugin at ${where} within ${timeoutMs} ms (is the plugin loaded?)`)),
					timeoutMs,
				);
			});
			try {
				await Promise.race([client.publishAsync(CONTROL_TOPIC, payload, {qos: 1}), timeout]);
				return await Promise.race([Promise.all(answers), timeout]);
			} catch (error) {
				if (error instanceof AccountError) throw error;
				throw new AccountError('unavailable', `${where}: the control command was refused: ${(error as Error).message}`);
			} finally {
				clearTimeout(timer);
				for (const id of ids) waiting.delete(id);
			}
		},
		async close() {
			let timer: NodeJS.Timeout | undefined;
			await Promise.race([
				client.endAsync(false).catch(() => client.end(true)),
				new Promise<void>((resolve) => (timer = setTimeout(() => (client.end(true), resolve()), 2_000))),
			]);
			clearTimeout(timer);
		},
	};
}
