// Health check of the ingester container (docker-compose.yml, Dockerfile): asks the ingester's own
// /healthz (broker connected, PostgreSQL answering, backlog below its limit, not draining).
// Exit 0 = healthy, 1 = not. Reads INGEST_HEALTH_PORT (the ingester serves nothing without it).
const port = process.env.INGEST_HEALTH_PORT;
if (!port) {
	process.stderr.write('unhealthy: INGEST_HEALTH_PORT is not set, so the ingester serves no /healthz\n');
	process.exit(1);
}
try {
	const response = await fetch(`http://127.0.0.1:${port}/healthz`, {signal: AbortSignal.timeout(3_000)});
	if (response.ok) process.exit(0);
	process.stderr.write(`unhealthy: ${response.status} ${await response.text()}`);
} catch (error) {
	process.stderr.write(`unhealthy: ${error.message}\n`);
}
process.exit(1);
