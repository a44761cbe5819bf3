// One history-page reader of the hub benchmark (bench/hub.ts; spawned, never run by hand): reads
// the newest page of one conversation as one user, over and over with a pause, from the moment it
// is told `start` until it is told `stop`, then reports each page's time. Its own process, so a
// page's time is the database's (and the hub's) and not the wait behind the publishers' thousands
// of receipts in the benchmark's event loop, as it was when it read from that process (issue 12).
// Benchmarks are tools, not product code: they may import pg directly.
import pg from 'pg';
import {loadLatestPage} from '../src/store/history.js';

/** argv[2] of a reader process (JSON). */
export interface PageReaderConfig {
	/** The reading user's database URL. */
	databaseUrl: string;
	conversation: string;
	/** The reading user's id. */
	viewer: string;
	pageSize: number;
	/** Pause between two pages, in ms. */
	pauseMs: number;
}

/** IPC to a reader: start reading; stop, and report. */
export type PageReaderCommand = {type: 'start'} | {type: 'stop'};
/** IPC from a reader: connected; the pages read between start and stop, each in ms. */
export type PageReaderReport = {type: 'ready'} | {type: 'pages'; ms: number[]} | {type: 'failed'; error: string};

const config = JSON.parse(process.argv[2] ?? '{}') as PageReaderConfig;
const pool = new pg.Pool({connectionString: config.databaseUrl, max: 1});
pool.on('error', () => undefined);
const db = {query: (text: string, values?: unknown[]) => pool.query(text, values)} as unknown as Parameters<typeof loadLatestPage>[0];
const send = (report: PageReaderReport) => process.send?.(report);

let reading: Promise<number[]> | undefined;
let isReading = false;
async function read(): Promise<number[]> {
	const ms: number[] = [];
	while (isReading) {
		const t0 = performance.now();
		await loadLatestPage(db, config.conversation, config.pageSize, config.viewer);
		ms.push(performance.now() - t0);
		await new Promise((resolve) => setTimeout(resolve, config.pauseMs));
	}
	return ms;
}

process.on('message', (command: PageReaderCommand) => {
	if (command.type === 'start' && !isReading) {
		isReading = true;
		reading = read();
		reading.catch((error: unknown) => send({type: 'failed', error: (error as Error).message}));
	} else if (command.type === 'stop') {
		isReading = false;
		void (reading ?? Promise.resolve([])).then(async (ms) => {
			send({type: 'pages', ms});
			await pool.end();
			process.disconnect?.();
		}, () => undefined);
	}
});
try {
	await pool.query('SELECT 1');
	send({type: 'ready'});
} catch (error) {
	send({type: 'failed', error: (error as Error).message});
	process.exit(1);
}
