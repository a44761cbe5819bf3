// Test helper: what a contract suite (forEachTarget) needs beside its target — its own ingester
// where the target has none (`services`; the hub runs one) and a pool on the target's database.
import {afterAll, beforeAll} from 'vitest';
import {startIngester, type Ingester} from '../../src/ingest/ingester.js';
import {openDb, type Db} from '../../src/store/db.js';
import type {Target} from './targets.js';

/** Set by {@link useTargetPipeline}'s beforeAll; read inside tests. */
export interface TargetPipeline {
	/** One connection on the target's database. */
	db: Db;
	/** The suite's ingester (`services`), or undefined where the target runs its own. */
	ingester: Ingester | undefined;
}

/**
 * In a forEachTarget body: start an ingester on the target when it needs one and open a
 * one-connection pool on its database (beforeAll); close both after the suite (afterAll).
 */
export function useTargetPipeline(target: Target): TargetPipeline {
	const pipeline: TargetPipeline = {db: undefined as unknown as Db, ingester: undefined};
	beforeAll(async () => {
		if (target.needsIngester) {
			pipeline.ingester = await startIngester({mqttUrl: target.mqttUrl, databaseUrl: target.databaseUrl, topicBase: target.topicBase, logger: target.logger});
		}
		pipeline.db = openDb({databaseUrl: target.databaseUrl, max: 1});
	});
	afterAll(async () => {
		await pipeline.db?.close();
		await pipeline.ingester?.stop();
	});
	return pipeline;
}
