// `/healthz` and `/metrics` over HTTP for one ingester (node:http; Prometheus text from prom-client).
// Imports node:http and ingest/ parts only.
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import type {Logger} from '../log.js';
import type {IngestMetrics} from './health-metrics.js';
import type {IngestHealth} from './types.js';

/** Options for {@link startHealthServer}. */
export interface HealthServerOptions {
	/** The health to serve: {@link Ingester.health}, or {@link STARTING_HEALTH} until it runs. */
	health(): Promise<IngestHealth>;
	metrics: IngestMetrics;
	/** Interface to bind (default `127.0.0.1`: local only; `0.0.0.0` for a scraper on another host). */
	host?: string;
	/** TCP port (0: any free one). */
	port: number;
	logger: Logger;
}

/** What `/healthz` says before the ingester has connected and migrated (503). */
export const STARTING_HEALTH: IngestHealth = {
	isHealthy: false,
	isStarting: true,
	isBrokerConnected: false,
	isDatabaseReachable: false,
	isDraining: false,
	pending: 0,
	maxPending: 0,
};

/** A listening health server. */
export interface HealthServer {
	/** `http://host:port` */
	readonly url: string;
	/** Stop listening and end open connections. */
	close(): Promise<void>;
}

/**
 * Serve `GET /healthz` (JSON IngestHealth: 200 when healthy, 503 when the broker or
 * the database is unreachable, the backlog is full, the ingester is starting or stopping) and
 * `GET /metrics` (Prometheus text format 0.0.4). Anything else: 404.
 * @throws Error (`EADDRINUSE`, `EACCES` …) when the port cannot be bound.
 */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
	const {metrics, logger} = options;
	const server: Server = createServer((request, response) => {
		const path = (request.url ?? '/').split('?')[0];
		const answer = async () => {
			if (request.method !== 'GET' && request.method !== 'HEAD') return reply(405, 'text/plain', 'GET only\n');
			if (path === '/healthz') {
				const health = await options.health();
				return reply(health.isHealthy ? 200 : 503, 'application/json', `${JSON.stringify(health)}\n`);
			}
			if (path === '/metrics') return reply(200, metrics.registry.contentType, await metrics.registry.metrics());
			return reply(404, 'text/plain', 'not found: try /healthz or /metrics\n');
		};
		const reply = (status: number, type: string, body: string) => {
			response.writeHead(status, {'content-type': type, 'cache-control': 'no-store'});
			response.end(request.method === 'HEAD' ? undefined : body);
		};
		answer().catch((error: Error) => {
			logger.warn({path, err: error.message}, 'health endpoint failed');
			if (!response.headersSent) reply(500, 'text/plain', 'internal error\n');
		});
	});
	// A scraper's keep-alive connection must not hold the process open after a drain.
	server.keepAliveTimeout = 5_000;
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port, options.host ?? '127.0.0.1', () => {
			server.removeListener('error', reject);
			resolve();
		});
	});
	server.on('error', (error) => logger.warn({err: error.message}, 'health server error'));
	const address = server.address() as AddressInfo;
	const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
	return {
		url: `http://${host}:${address.port}`,
		close: () =>
			new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			}),
	};
}
