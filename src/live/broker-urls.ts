// The broker list: `MQTT_URL` / `--mqtt-url` may name several brokers of one cluster, comma
// separated, that a client fails over between. Pure (WHATWG URL only), so the CLI can validate
// the setting before connecting and connect.ts can turn it into mqtt.js `servers`.

/** Schemes mqtt.js connects with from Node (TCP, TLS, WebSocket, secure WebSocket). */
const SCHEMES = new Set(['mqtt:', 'mqtts:', 'ws:', 'wss:']);

/** One broker of the list, as mqtt.js `servers` takes it (plus the URL it came from). */
export interface BrokerAddress {
	/** `mqtt`, `mqtts`, `ws` or `wss`. */
	protocol: 'mqtt' | 'mqtts' | 'ws' | 'wss';
	host: string;
	/** TCP port; the scheme's default (1883, 8883, 80, 443) when the URL names none. */
	port: number;
	/** The entry without credentials, e.g. `mqtt://b.example:1883`, for logs and the status bar. */
	label: string;
}

/** A parsed broker list: the brokers in order, and the one set of credentials they share. */
export interface BrokerList {
	brokers: BrokerAddress[];
	/** Decoded user name, when an entry carries one. */
	username?: string;
	/** Decoded password, when an entry carries one. */
	password?: string;
	/** WebSocket path (`/mqtt`), shared by every entry: mqtt.js `servers` keeps one path. */
	path?: string;
}

const DEFAULT_PORTS: Record<BrokerAddress['protocol'], number> = {mqtt: 1883, mqtts: 8883, ws: 80, wss: 443};

/**
 * Parse `value`, one broker URL or several separated by commas (`mqtt://a:1883,mqtt://b:1883`):
 * each must be an `mqtt://`, `mqtts://`, `ws://` or `wss://` URL with a host. The list is one
 * cluster seen by one client, so the entries share one user name and password (an entry may omit
 * them; entries naming different ones are refused) and, for WebSocket entries, one path.
 * @throws Error with a one-line message naming the bad entry (by position and value, password
 *   redacted) when the list is empty or an entry is malformed.
 */
export function parseBrokerList(value: string): BrokerList {
	const entries = value.split(',').map((entry) => entry.trim());
	if (entries.length === 1 && entries[0] === '') throw new Error('no MQTT broker URL given');
	const list: BrokerList = {brokers: []};
	let credentialsFrom: string | undefined;
	let pathFrom: string | undefined;
	entries.forEach((entry, index) => {
		const where = entries.length > 1 ? `MQTT broker URL ${index + 1} of ${entries.length}` : 'MQTT broker URL';
		if (entry === '') throw new Error(`${where} is empty (the list is comma-separated: mqtt://a:1883,mqtt://b:1883)`);
		let url: URL;
		try {
			url = new URL(entry);
		} catch {
			throw new Error(`${where} "${redactEntry(entry)}" is not a URL (expected mqtt://host:port, mqtts://, ws:// or wss://)`);
		}
		if (!SCHEMES.has(url.protocol)) {
			throw new Error(`${where} "${redact(url)}" has scheme ${url.protocol.replace(/:$/, '')} (expected mqtt, mqtts, ws or wss)`);
		}
		if (!url.hostname) throw new Error(`${where} "${redact(url)}" names no host`);
		const protocol = url.protocol.replace(/:$/, '') as BrokerAddress['protocol'];
		const port = url.port ? Number(url.port) : DEFAULT_PORTS[protocol];
		const isWebSocket = protocol === 'ws' || protocol === 'wss';
		const path = isWebSocket ? url.pathname : undefined;
		if (isWebSocket) {
			if (pathFrom !== undefined && path !== list.path) {
				throw new Error(`${where} "${redact(url)}" has path ${path}, entry ${pathFrom} has ${list.path} (one path for all: mqtt.js keeps one)`);
			}
			pathFrom ??= String(index + 1);
			list.path = path;
		}
		if (url.username || url.password) {
			const username = decodeURIComponent(url.username);
			const password = url.password ? decodeURIComponent(url.password) : undefined;
			if (credentialsFrom !== undefined && (username !== list.username || password !== list.password)) {
				throw new Error(`${where} "${redact(url)}" has other credentials than entry ${credentialsFrom} (one user name and password for all brokers)`);
			}
			credentialsFrom ??= String(index + 1);
			list.username = username;
			if (password !== undefined) list.password = password;
		}
		list.brokers.push({protocol, host: url.hostname, port, label: `${protocol}://${url.host}${isWebSocket && path !== '/' ? path : ''}`});
	});
	return list;
}

/**
 * Apply `edit` to every URL of a comma-separated broker list and join them again, e.g. to put one
 * user name and password on each (credentials belong to the list, not to one broker).
 * @throws TypeError when an entry cannot be parsed (as `new URL`).
 */
export function mapBrokerUrls(value: string, edit: (url: URL) => void): string {
	return value
		.split(',')
		.map((entry) => {
			const url = new URL(entry.trim());
			edit(url);
			return url.toString().replace(/\/$/, '');
		})
		.join(',');
}

/**
 * The list with user name `username` (and `password`, when given) on every entry — unless an
 * entry already names a user: credentials belong to the whole list, so it is returned unchanged.
 * @throws TypeError when an entry cannot be parsed (as `new URL`).
 */
export function withBrokerCredentials(value: string, username: string, password?: string): string {
	if (value.split(',').some((entry) => new URL(entry.trim()).username !== '')) return value;
	return mapBrokerUrls(value, (url) => {
		url.username = username;
		if (password !== undefined) url.password = password;
	});
}

/** A comma-separated broker list with every password replaced by `***`, for messages and logs. */
export function redactBrokerList(value: string): string {
	return value.split(',').map((entry) => redactEntry(entry.trim())).join(',');
}

function redactEntry(entry: string): string {
	try {
		return redact(new URL(entry));
	} catch {
		// Not parsable as a URL: hide anything between `:` and `@` that may be a password.
		return entry.replace(/(\/\/[^/:@]*:)[^@/]*@/, '$1***@');
	}
}

function redact(url: URL): string {
	const copy = new URL(url.toString());
	if (copy.password) copy.password = '***';
	return copy.toString().replace(/\/$/, '');
}
