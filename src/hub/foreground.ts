// Runs the hub as a process of its own: publishes `{home}/hub.json`, drains on SIGINT/SIGTERM.
// May import hub/, log and node:v8 only.
import {setFlagsFromString} from 'node:v8';
import type {Logger} from '../log.js';
import {removeHubFile, writeHubFile, type HubRecord} from './hub-file.js';
import {startHub, type HubOptions, type HubPhase, type RunningHub} from './hub.js';

/** Default time the hub drains after the first SIGINT/SIGTERM before it aborts, in ms. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 30_000;

const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** Options for {@link runHubForeground}. */
export interface ForegroundOptions extends Pick<HubOptions, 'mqttPort' | 'pgPort' | 'topicBase' | 'pgLimits' | 'maxMqttPacketBytes'> {
	/** The hermes home: data (`{home}/pgdata`), `hub.json`, `hub.lock`. */
	home: string;
	logger: Logger;
	/** How long the drain may take before it is aborted, in ms (default {@link DEFAULT_DRAIN_TIMEOUT_MS}). */
	drainTimeoutMs?: number;
	/** Called as each start-up phase begins. */
	onProgress?: (phase: HubPhase) => void;
	/** Called once the hub is ready, with what it serves. */
	onReady?: (hub: RunningHub) => void;
}

/**
 * V8's old-generation growth per collection in the hub process (`--heap-growing-percent`), set
 * as the hub starts: the heap may grow by this many percent of what survived, not V8's 1.1–4×
 * (issue 12: hub RSS ≤ 300 MB). See {@link runHubForeground}.
 */
export const HUB_HEAP_GROWING_PERCENT = 10;

/** How the hub ended: drained cleanly, or aborted by a second signal or the drain deadline. */
export type HubEnd = 'drained' | 'aborted';

/**
 * Start the hub in this process and keep it until SIGINT or SIGTERM, then drain it
 * (see {@link RunningHub.stop}) and remove `hub.json`. A second signal, or the drain
 * deadline, aborts the drain ({@link RunningHub.abort}); a third signal kills the process.
 * The hub owns SIGINT/SIGTERM while it runs: listeners a dependency installed are removed
 * first — `when-exit` (conf → atomically) re-raises the signal, which would end the drain.
 * `hub.json` is written with `state: "starting"` once the MQTT port and the data directory
 * are ours, and with `state: "ready"` plus the URLs and ports once everything listens.
 * @returns how the hub ended, after a signal.
 * @throws HubRunningError (from startHub) when a hub already runs; other start-up errors.
 */
export async function runHubForeground(options: ForegroundOptions): Promise<HubEnd> {
	const {home, logger} = options;
	// The hub's process is the hub: let its old generation grow by 10 % per collection instead of
	// V8's 1.1–4×, so each burst's garbage (decoded payloads, batch parameters) is collected before
	// the heap doubles — RSS was 380 MB after three bursts of 20,000 with V8's defaults, of which
	// ~35 MB live. V8 reads the flag whenever it sizes the heap, so setting it now takes effect.
	// The young generation is capped by hubProcessEnv (--max-semi-space-size, read at start).
	// It replaced --optimize-for-size, which held RSS as well but slowed the main thread: bursts
	// with no reader ~2,400–2,900 against ~4,000–4,900 msg/s, +6 % with a reader paging (issue 12,
	// README "Embedded hub").
	setFlagsFromString(`--heap-growing-percent=${HUB_HEAP_GROWING_PERCENT}`);
	const startedAt = new Date().toISOString();
	const base: HubRecord = {pid: process.pid, state: 'starting', phase: 'starting broker', data_dir: home, started_at: startedAt};
	let hasFile = false;
	let pendingWrite = Promise.resolve();
	const signals: string[] = [];
	let onSignalCount: (() => void) | undefined;
	const onSignal = (signal: string) => {
		signals.push(signal);
		// The third signal: leave it to the default action (the process ends at once).
		if (signals.length >= 2) for (const name of STOP_SIGNALS) process.removeListener(name, onSignal);
		onSignalCount?.();
	};
	for (const name of STOP_SIGNALS) {
		process.removeAllListeners(name);
		process.on(name, onSignal);
	}
	const releaseSignals = () => {
		for (const name of STOP_SIGNALS) process.removeListener(name, onSignal);
	};
	const signalNumber = (n: number) =>
		new Promise<void>((resolve) => {
			const check = () => signals.length >= n && resolve();
			const previous = onSignalCount;
			onSignalCount = () => {
				previous?.();
				check();
			};
			check();
		});
	let hub: RunningHub;
	try {
		hub = await startHub({
			dataDir: home,
			mqttPort: options.mqttPort,
			pgPort: options.pgPort,
			topicBase: options.topicBase,
			pgLimits: options.pgLimits,
			maxMqttPacketBytes: options.maxMqttPacketBytes,
			logger,
			onProgress(phase) {
				options.onProgress?.(phase);
				// Before 'opening database' the port and lock are not ours yet: leave hub.json alone.
				if (phase === 'starting broker' || phase === 'ready') return;
				hasFile = true;
				pendingWrite = pendingWrite.then(() => writeHubFile(home, {...base, phase}));
			},
		});
	} catch (error) {
		releaseSignals();
		await pendingWrite.catch(() => undefined);
		if (hasFile) await removeHubFile(home, process.pid);
		throw error;
	}
	try {
		await pendingWrite;
		await writeHubFile(home, {
			...base,
			state: 'ready',
			phase: 'ready',
			mqtt_url: hub.mqttUrl,
			database_url: hub.databaseUrl,
			mqtt_port: hub.mqttPort,
			pg_port: hub.pgPort,
			topic_base: hub.topicBase,
		});
		options.onReady?.(hub);
		await signalNumber(1);
		logger.info({signal: signals[0]}, 'hub: signal received');
		const drainMs = options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
		let deadline: NodeJS.Timeout | undefined;
		const expired = new Promise<string>((resolve) => {
			deadline = setTimeout(() => resolve(`the drain took longer than ${drainMs} ms`), drainMs);
		});
		const end = await Promise.race([
			hub.stop().then(() => 'drained' as const),
			signalNumber(2).then(() => `a second signal (${signals[1]})`),
			expired,
		]);
		clearTimeout(deadline);
		if (end === 'drained') return 'drained';
		logger.warn({reason: end}, 'hub: drain aborted');
		await hub.abort();
		return 'aborted';
	} finally {
		releaseSignals();
		await removeHubFile(home, process.pid);
	}
}
