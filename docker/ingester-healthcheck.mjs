// Health check of the ingester container (docker-compose.yml): PostgreSQL answers and holds the
// applied migrations (the ingester applies them on start), and the MQTT broker accepts TCP.
// Exit 0 = healthy, 1 = not. Reads DATABASE_URL and MQTT_BROKER_HOST / MQTT_BROKER_PORT.
import {connect} from 'node:net';
import pg from 'pg';

const TIMEOUT_MS = 3_000;

async function databaseReady() {
	const client = new pg.Client({connectionString: process.env.DATABASE_URL, connectionTimeoutMillis: TIMEOUT_MS});
	await client.connect();
	try {
		const {rows} = await client.query('SELECT count(*)::int AS n FROM pgmigrations');
		if (rows[0].n < 1) throw new Error('no migration applied yet');
	} finally {
		await client.end();
	}
}

function brokerReachable() {
	return new Promise((resolve, reject) => {
		const socket = connect({host: process.env.MQTT_BROKER_HOST ?? 'mosquitto', port: Number(process.env.MQTT_BROKER_PORT ?? 1883)});
		socket.setTimeout(TIMEOUT_MS, () => socket.destroy(new Error('broker timeout')));
		socket.once('connect', () => {
			socket.destroy();
			resolve();
		});
		socket.once('error', reject);
	});
}

try {
	await Promise.all([databaseReady(), brokerReachable()]);
	process.exit(0);
} catch (error) {
	process.stderr.write(`unhealthy: ${error.message}\n`);
	process.exit(1);
}
