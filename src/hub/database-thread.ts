// The embedded database on a thread of its own: PGlite, pglite-socket and the validating front
// (database.ts) run in a worker thread, so PGlite's synchronous WebAssembly work never blocks the
// hub's MQTT broker and ingester, and a history page's round trips are not queued behind MQTT work
// (issue 12: a page during a burst took p95 183 ms, most of it waiting for the one event loop).
// May import @electric-sql/pglite (through database.ts), pino, log, hub/ and node:.
import {fileURLToPath, pathToFileURL} from 'node:url';
import {isMainThread, parentPort, Worker, workerData} from 'node:worker_threads';
import pino from 'pino';
import type {Logger} from '../log.js';
import {DataDirectoryError, openDatabase, type EmbeddedDatabase, type EmbeddedDatabaseOptions} from './database.js';
import {ReaderSignal} from './reader-signal.js';

/** What {@link openDatabaseThread} passes to the worker (structured-cloneable: no logger). */
interface ThreadOptions extends Omit<EmbeddedDatabaseOptions, 'logger' | 'readers'> {
	logLevel: string;
	/** The ReaderSignal's shared memory (marked on the database thread on each chat user's request), when one was given. */
	readers?: SharedArrayBuffer;
}

/** Messages from the worker to the hub's thread. */
type FromThread =
	| {kind: 'log'; line: string}
	| {kind: 'ready'; port: number; url: string; pgdata: string}
	| {kind: 'failed'; name: string; message: string; code?: string}
	| {kind: 'closed'; error?: string};

/** How long `close()` waits for PGlite to close its files before ending the thread anyway, in ms. */
export const CLOSE_TIMEOUT_MS = 30_000;

/**
 * {@link openDatabase} on a worker thread of its own: same options, same result, same errors
 * (a `DataDirectoryError` is one again here; other errors keep `message` and `code`, e.g.
 * EADDRINUSE). The worker's log lines go to `logger` at their level. When the thread dies
 * unexpectedly after opening (PGlite aborted), the error is thrown on this thread — the hub
 * process ends as it did when PGlite ran on it. When this module runs from TypeScript source
 * (tests, tsx), the worker is started with tsx's loader too.
 * @throws as openDatabase.
 */
export function openDatabaseThread(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
	const self = fileURLToPath(import.meta.url);
	const {logger, readers, ...rest} = options;
	const threadOptions: ThreadOptions = {...rest, logLevel: logger.level, readers: readers?.buffer};
	// A worker's execArgv cannot carry `--import tsx`: from source, tsx is registered in the worker first.
	const worker = self.endsWith('.ts')
		? new Worker(`import('tsx/esm/api').then(({register}) => (register(), import(${JSON.stringify(pathToFileURL(self).href)})))`, {eval: true, workerData: threadOptions})
		: new Worker(self, {workerData: threadOptions});
	let isClosing = false;
	let closed: ((error?: string) => void) | undefined;
	return new Promise<EmbeddedDatabase>((resolve, reject) => {
		let isOpen = false;
		const fail = (error: Error) => {
			if (isClosing) return closed?.(error.message);
			if (!isOpen) return reject(error);
			// PGlite's thread died under a running hub: nothing it served can go on.
			setImmediate(() => {
				throw error;
			});
		};
		worker.on('error', fail);
		worker.on('exit', (code) => fail(new Error(`the database thread exited (code ${code})`)));
		worker.on('message', (message: FromThread) => {
			switch (message.kind) {
				case 'log':
					forwardLog(logger, message.line);
					return;
				case 'failed': {
					const error = message.name === 'DataDirectoryError' ? new DataDirectoryError(message.message) : Object.assign(new Error(message.message), {code: message.code});
					isClosing = true;
					void worker.terminate();
					reject(error);
					return;
				}
				case 'closed':
					closed?.(message.error);
					return;
				case 'ready': {
					isOpen = true;
					let closing: Promise<void> | undefined;
					resolve({
						port: message.port,
						url: message.url,
						pgdata: message.pgdata,
						close() {
							closing ??= new Promise<void>((done, fails) => {
								isClosing = true;
								const guard = setTimeout(() => closed?.('PGlite did not close in time'), CLOSE_TIMEOUT_MS);
								closed = (error) => {
									closed = undefined;
									clearTimeout(guard);
									void worker.terminate().finally(() => (error ? fails(new Error(error)) : done()));
								};
								worker.postMessage('close');
							});
							return closing;
						},
					});
					return;
				}
			}
		});
	});
}

/** A pino JSON line of the worker, written by `logger` at its level (unparseable lines as info). */
function forwardLog(logger: Logger, line: string): void {
	try {
		const {level, msg, time: _time, pid: _pid, hostname: _hostname, ...fields} = JSON.parse(line) as {level: number; msg?: string; time?: unknown; pid?: unknown; hostname?: unknown};
		const label = (pino.levels.labels[level] ?? 'info') as 'info';
		logger[label](fields, msg ?? '');
	} catch {
		logger.info(line.trim());
	}
}

// The worker: open the database, report, close it when told to.
if (!isMainThread && parentPort && (workerData as {secret?: unknown} | undefined)?.secret !== undefined) {
	const port = parentPort;
	const options = workerData as ThreadOptions;
	const post = (message: FromThread) => port.postMessage(message);
	const logger = pino({level: options.logLevel, base: undefined}, {write: (line: string) => post({kind: 'log', line})});
	try {
		const {readers, ...rest} = options;
		const database = await openDatabase({...rest, logger, readers: readers && new ReaderSignal(readers)});
		port.on('message', (message) => {
			if (message !== 'close') return;
			database.close().then(
				() => post({kind: 'closed'}),
				(error: Error) => post({kind: 'closed', error: error.message}),
			);
		});
		post({kind: 'ready', port: database.port, url: database.url, pgdata: database.pgdata});
	} catch (error) {
		const {name, message, code} = error as NodeJS.ErrnoException;
		post({kind: 'failed', name, message, code});
	}
}
