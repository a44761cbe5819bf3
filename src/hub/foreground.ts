// Runs the hub as a process of its own: publishes `{home}/hub.json`, stops cleanly on SIGINT/SIGTERM.
// May import hub/ and log only.
import type {Logger} from '../log.js';
import {removeHubFile, writeHubFile, type HubRecord} from './hub-file.js';
import {startHub, type HubPhase, type RunningHub} from './hub.js';

/** Options for {@link runHubForeground}. */
export interface ForegroundOptions {
	/** The hermes home: data (`{home}/pgdata`), `hub.json`, `hub.lock`. */
	home: string;
	mqttPort?: number;
	pgPort?: number;
	topicBase?: string;
	logger: Logger;
	/** Called as each start-up phase begins. */
	onProgress?: (phase: HubPhase) => void;
	/** Called once the hub is ready, with what it serves. */
	onReady?: (hub: RunningHub) => void;
}

/**
 * Start the hub in this process and keep it until SIGINT or SIGTERM, then stop it cleanly
 * (ingester flushed, PGlite closed) and remove `hub.json`. `hub.json` is written with
 * `state: "starting"` once the MQTT port and the data directory are ours, and with
 * `state: "ready"` plus the URLs and ports once everything listens.
 * @returns when the hub has stopped after a signal.
 * @throws HubRunningError (from startHub) when a hub already runs; other start-up errors.
 */
export async function runHubForeground(options: ForegroundOptions): Promise<void> {
	const {home, logger} = options;
	const startedAt = new Date().toISOString();
	const base: HubRecord = {pid: process.pid, state: 'starting', phase: 'starting broker', data_dir: home, started_at: startedAt};
	let hasFile = false;
	let pendingWrite = Promise.resolve();
	let stopRequested: (() => void) | undefined;
	const stopSignal = new Promise<string>((resolve) => {
		const onSignal = (signal: string) => resolve(signal);
		process.once('SIGINT', onSignal);
		process.once('SIGTERM', onSignal);
		stopRequested = () => {
			process.removeListener('SIGINT', onSignal);
			process.removeListener('SIGTERM', onSignal);
		};
	});
	let hub: RunningHub;
	try {
		hub = await startHub({
			dataDir: home,
			mqttPort: options.mqttPort,
			pgPort: options.pgPort,
			topicBase: options.topicBase,
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
		stopRequested?.();
		await pendingWrite.catch(() => undefined);
		if (hasFile) await removeHubFile(home, process.pid);
		throw error;
	}
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
	const signal = await stopSignal;
	stopRequested?.();
	logger.info({signal}, 'hub: signal received');
	try {
		await hub.stop();
	} finally {
		await removeHubFile(home, process.pid);
	}
}
