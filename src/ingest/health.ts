// The ingester's health: is it connected to both ends, and keeping up?
// Imports store/ (the Db port) and ingest types only.
import type {Db} from '../store/db.js';
import type {IngestHealth} from './types.js';

/** What {@link probeHealth} looks at. */
export interface HealthInputs {
	db: Pick<Db, 'query'>;
	isBrokerConnected: boolean;
	isDraining: boolean;
	/** Items received, not committed yet. */
	pending: number;
	/** The backlog limit (new items are shed at it). */
	maxPending: number;
	/** Longest wait for the database's `SELECT 1`, in ms. */
	timeoutMs: number;
}

/**
 * Healthy = the broker connection is up, the database answers `SELECT 1` within `timeoutMs`,
 * the backlog is below `maxPending` (not shedding) and the ingester is not stopping. Never throws.
 */
export async function probeHealth(inputs: HealthInputs): Promise<IngestHealth> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<never>((_resolve, reject) => {
		timer = setTimeout(() => reject(new Error(`no answer within ${inputs.timeoutMs} ms`)), inputs.timeoutMs);
	});
	let databaseError: string | undefined;
	try {
		await Promise.race([inputs.db.query('SELECT 1'), timeout]);
	} catch (error) {
		databaseError = ((error as Error).message || String(error)).split('\n')[0];
	} finally {
		clearTimeout(timer);
	}
	const isDatabaseReachable = databaseError === undefined;
	return {
		isHealthy: inputs.isBrokerConnected && isDatabaseReachable && !inputs.isDraining && inputs.pending < inputs.maxPending,
		isBrokerConnected: inputs.isBrokerConnected,
		isDatabaseReachable,
		...(databaseError === undefined ? {} : {databaseError}),
		isDraining: inputs.isDraining,
		pending: inputs.pending,
		maxPending: inputs.maxPending,
	};
}
