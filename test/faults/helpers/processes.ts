// Fault-suite processes: chat users (test/faults/helpers/chat-process.ts) and ingesters
// (`node dist/cli/main.js ingest`) as real child processes a scenario can signal, freeze or kill.
import {spawn, type ChildProcess} from 'node:child_process';
import {createInterface} from 'node:readline';
import {HUB_OWNER, readHubSecret, withHubCredentials} from '../../../src/hub/hub-secret.js';
import type {ChatProcessCommand, ChatProcessConfig, ChatProcessReport} from './chat-process.js';

const ROOT = new URL('../../../', import.meta.url).pathname;
/** The built CLI (`npm run build` first; `npm test` does). */
export const CLI = `${ROOT}dist/cli/main.js`;
const CHAT_PROCESS = new URL('./chat-process.ts', import.meta.url).pathname;

/** Longest wait for any condition in the fault suite, in ms: a wedge fails the test instead of hanging it. */
export const WAIT_MS = 90_000;
/** Vitest timeout of one scenario, in ms (a few waits plus set-up, on two busy cores). */
export const SCENARIO_MS = 240_000;

/** Base of both process kinds: exit tracking, waiting on conditions that change with output. */
abstract class Child {
	readonly exited: Promise<number | null>;
	#exitCode: number | null | undefined;
	#wakers: Array<() => void> = [];
	/** The last 50 stderr lines (shown when a wait fails). */
	readonly stderrTail: string[] = [];

	protected constructor(readonly name: string, readonly child: ChildProcess) {
		this.exited = new Promise((resolve) => child.once('exit', (code, signal) => {
			this.#exitCode = code ?? (signal ? null : code);
			this.wake();
			resolve(code);
		}));
		createInterface({input: child.stderr!}).on('line', (line) => {
			this.stderrTail.push(line);
			if (this.stderrTail.length > 50) this.stderrTail.shift();
			this.onStderr(line);
		});
	}

	get pid(): number {
		return this.child.pid!;
	}

	get isRunning(): boolean {
		return this.#exitCode === undefined;
	}

	protected onStderr(_line: string): void {}

	protected wake(): void {
		for (const wake of this.#wakers.splice(0)) wake();
	}

	/**
	 * Resolve once `condition()` holds (checked on every output line and exit).
	 * @throws Error naming `what` after `timeoutMs` (default {@link WAIT_MS}).
	 */
	async waitFor(what: string, condition: () => boolean, timeoutMs = WAIT_MS): Promise<void> {
		const deadline = Date.now() + timeoutMs;
		while (!condition()) {
			const left = deadline - Date.now();
			if (left <= 0) throw new Error(`${this.name}: timed out waiting for ${what}\n${this.stderrTail.slice(-10).join('\n')}`);
			await new Promise<void>((resolve) => {
				const timer = setTimeout(resolve, Math.min(left, 1_000));
				this.#wakers.push(() => (clearTimeout(timer), resolve()));
			});
		}
	}

	/** Send `signal` (SIGKILL, SIGTERM, SIGSTOP, SIGCONT). */
	signal(signal: NodeJS.Signals): void {
		if (this.isRunning) this.child.kill(signal);
	}

	/** SIGKILL and wait for the exit. */
	async kill(): Promise<void> {
		this.signal('SIGCONT');
		this.signal('SIGKILL');
		await this.exited;
	}
}

/** A chat user process: what it sent, what got its ✓, what arrived from others (with repeats). */
export class ChatProcess extends Child {
	/** message id → content, for every `message-sent` reported (restored ones included). */
	readonly sent = new Map<string, string>();
	readonly acked = new Set<string>();
	/** message id → how many times the client reported it arriving. */
	readonly arrived = new Map<string, number>();
	readonly notices: Array<{level: string; text: string}> = [];
	/** Every `outbox-problem-changed` the client reported, in order (undefined: writes succeed again). */
	readonly outboxProblems: Array<string | undefined> = [];
	isReady = false;
	/** Latest state per service (`broker`, `database`): `connecting`, `up`, `down`. */
	readonly connection = new Map<string, string>();
	/** Every connection change as `service state: detail`, in order (e.g. `broker up: MQTT 5 at mqtt://127.0.0.1:21831`). */
	readonly connectionLog: string[] = [];
	/** How many messages of an earlier run this one queued again at start. */
	restored = 0;

	private constructor(name: string, child: ChildProcess, readonly userId: string) {
		super(name, child);
		createInterface({input: child.stdout!}).on('line', (line) => {
			let report: ChatProcessReport;
			try {
				report = JSON.parse(line) as ChatProcessReport;
			} catch {
				return;
			}
			if (report.ev === 'ready') (this.isReady = true), (this.restored = report.restored);
			else if (report.ev === 'sent') this.sent.set(report.id, report.content);
			else if (report.ev === 'acked') this.acked.add(report.id);
			else if (report.ev === 'arrived') this.arrived.set(report.id, (this.arrived.get(report.id) ?? 0) + 1);
			else if (report.ev === 'connection') {
				this.connection.set(report.service, report.state);
				this.connectionLog.push(`${report.service} ${report.state}: ${report.detail ?? ''}`);
			}
			else if (report.ev === 'notice') this.notices.push({level: report.level, text: report.text});
			else if (report.ev === 'outbox-problem') this.outboxProblems.push(report.problem);
			this.wake();
		});
	}

	/**
	 * Start a chat user and wait until it listens for commands.
	 * @param env extra environment (e.g. LD_PRELOAD of libfaketime for a clock step).
	 */
	static async start(config: ChatProcessConfig, env: Record<string, string> = {}): Promise<ChatProcess> {
		const child = spawn(process.execPath, ['--import', 'tsx', CHAT_PROCESS, JSON.stringify(config)], {
			cwd: ROOT,
			env: {...process.env, ...env},
			stdio: ['pipe', 'pipe', 'pipe'],
		});
		const chat = new ChatProcess(`chat ${config.userId} (pid ${child.pid})`, child, config.userId);
		await chat.waitFor('ready', () => chat.isReady || !chat.isRunning);
		if (!chat.isReady) throw new Error(`${chat.name} exited at start:\n${chat.stderrTail.join('\n')}`);
		return chat;
	}

	command(command: ChatProcessCommand): void {
		this.child.stdin!.write(`${JSON.stringify(command)}\n`);
	}

	/** Send `count` messages and wait until the client has reported all of them as sent (queued). */
	async send(to: string, prefix: string, count: number, from = 0): Promise<void> {
		const before = this.sent.size;
		this.command({cmd: 'send', to, prefix, count, from});
		await this.waitFor(`${count} messages queued`, () => this.sent.size >= before + count);
	}

	/** Wait until every message this process reported as sent has its ✓. */
	async allAcked(timeoutMs = WAIT_MS): Promise<void> {
		await this.waitFor(`✓ for all ${this.sent.size} sent`, () => [...this.sent.keys()].every((id) => this.acked.has(id)), timeoutMs);
	}

	/** Clean quit (outbox file flushed). */
	async close(): Promise<void> {
		if (!this.isRunning) return;
		this.command({cmd: 'close'});
		await this.exited;
	}
}

/** Options for {@link IngesterProcess.start}. */
export interface IngesterOptions {
	mqttUrl: string;
	databaseUrl: string;
	topicBase: string;
	/** Extra CLI flags (e.g. `--no-migrate`, `--linger-ms 50`). */
	flags?: string[];
}

/** `hermes-chat ingest` as a child process; counts its log lines by message. */
export class IngesterProcess extends Child {
	isRunningIngest = false;
	readonly logLines: Array<Record<string, unknown>> = [];

	private constructor(name: string, child: ChildProcess) {
		super(name, child);
		child.stdout!.resume();
	}

	protected override onStderr(line: string): void {
		try {
			const entry = JSON.parse(line) as Record<string, unknown>;
			this.logLines.push(entry);
			if (entry.msg === 'ingester running') this.isRunningIngest = true;
		} catch {
			// not a log line (a crash trace): kept in stderrTail
		}
	}

	/** Start `node dist/cli/main.js ingest` and wait for its `ingester running` line. */
	static async start(options: IngesterOptions, label = 'ingester'): Promise<IngesterProcess> {
		const args = [CLI, 'ingest', '--mqtt-url', options.mqttUrl, '--database-url', options.databaseUrl, '--topic', options.topicBase, ...(options.flags ?? [])];
		const env: NodeJS.ProcessEnv = {...process.env, LOG_LEVEL: 'info'};
		for (const name of ['MQTT_URL', 'DATABASE_URL', 'MQTT_TOPIC']) delete env[name];
		const child = spawn(process.execPath, args, {cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe']});
		const ingester = new IngesterProcess(`${label} (pid ${child.pid})`, child);
		await ingester.waitFor('ingester running', () => ingester.isRunningIngest || !ingester.isRunning);
		if (!ingester.isRunningIngest) throw new Error(`${ingester.name} exited at start:\n${ingester.stderrTail.join('\n')}`);
		return ingester;
	}
}

/**
 * `hermes-chat hub` (foreground) as a child process on fixed ports, with its own HERMES_HOME;
 * `mqttUrl` and `databaseUrl` carry the hub owner's credentials once started.
 */
export class HubProcess extends Child {
	isReady = false;
	readonly logLines: Array<Record<string, unknown>> = [];
	mqttUrl = '';
	databaseUrl = '';
	/** The hub secret (`{home}/hub-secret`), once started. */
	secret = '';

	private constructor(name: string, child: ChildProcess) {
		super(name, child);
		child.stdout!.resume();
	}

	protected override onStderr(line: string): void {
		try {
			const entry = JSON.parse(line) as Record<string, unknown>;
			this.logLines.push(entry);
			if (entry.msg === 'hub: ready') {
				this.isReady = true;
				this.mqttUrl = String(entry.mqttUrl);
				this.databaseUrl = String(entry.databaseUrl);
			}
		} catch {
			// not a log line (a crash trace): kept in stderrTail
		}
	}

	/** Start `node dist/cli/main.js hub` in `home` and wait for its `hub: ready` line. */
	static async start(options: {home: string; mqttPort: number; pgPort: number; topicBase: string}): Promise<HubProcess> {
		const args = [CLI, 'hub', '--mqtt-port', String(options.mqttPort), '--pg-port', String(options.pgPort), '--topic', options.topicBase];
		const env: NodeJS.ProcessEnv = {...process.env, HERMES_HOME: options.home, LOG_LEVEL: 'info'};
		for (const name of ['MQTT_URL', 'DATABASE_URL', 'MQTT_TOPIC']) delete env[name];
		const child = spawn(process.execPath, args, {cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe']});
		const hub = new HubProcess(`hub (pid ${child.pid})`, child);
		await hub.waitFor('hub: ready', () => hub.isReady || !hub.isRunning);
		if (!hub.isReady) throw new Error(`${hub.name} exited at start:\n${hub.stderrTail.join('\n')}`);
		// The suites connect as the hub's owner: the logged URLs carry no credentials.
		const secret = await readHubSecret(options.home);
		hub.secret = secret;
		hub.mqttUrl = withHubCredentials(hub.mqttUrl, HUB_OWNER, secret);
		hub.databaseUrl = withHubCredentials(hub.databaseUrl, HUB_OWNER, secret);
		return hub;
	}
}
