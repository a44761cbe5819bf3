// The embedded MQTT broker: aedes (MQTT 3.1.1, in-memory) on a TCP port bound to one host.
// May import aedes and node:net only.
import {createServer, type Server, type Socket} from 'node:net';
import {Aedes} from 'aedes';

/** A listening aedes broker. */
export interface EmbeddedBroker {
	/** The port actually bound (useful when 0 was asked for). */
	port: number;
	/** `mqtt://host:port`. */
	url: string;
	/** Disconnect every client and close the listener. Never throws. */
	close(): Promise<void>;
	/** Answer the CONNECTs held by {@link ListenBrokerOptions.admitOnlyFirst} (idempotent). */
	admitAll(): void;
}

/** Options of {@link listenBroker}. */
export interface ListenBrokerOptions {
	host: string;
	/** TCP port; 0 picks a free one. */
	port: number;
	/**
	 * Until {@link EmbeddedBroker.admitAll}, only clients whose id this accepts get their CONNACK;
	 * the others wait for it (mqtt.js gives up after its connect timeout and tries again). A
	 * restarting hub binds its port first, so TUIs reconnect at once: without this they publish
	 * receipts and resends before the ingester subscribed, and those are never stored.
	 */
	admitOnlyFirst?: (clientId: string) => boolean;
}

/** Thrown by {@link listenBroker} when the port is taken: usually a hub already runs. */
export class PortInUseError extends Error {
	/** The TCP port that was taken. */
	readonly port: number;

	constructor(host: string, port: number) {
		super(`port ${host}:${port} is already in use (is a hub already running?)`);
		this.name = 'PortInUseError';
		this.port = port;
	}
}

/**
 * Bind `host:port` and serve aedes on it. The port is bound before anything else of the
 * hub is opened, so of two hubs started at once exactly one gets past this point.
 * Every connection gets TCP_NODELAY: without it a QoS 1 round trip waits on Nagle plus
 * delayed ACK (~44 ms instead of ~0.5 ms, measured on aedes).
 * aedes has no MQTT 5 and no shared subscriptions; clients fall back to 3.1.1.
 * @throws PortInUseError on EADDRINUSE; the listen error otherwise.
 */
export async function listenBroker(options: ListenBrokerOptions): Promise<EmbeddedBroker> {
	let admitAll: () => void = () => undefined;
	const isOpen = options.admitOnlyFirst ? new Promise<void>((resolve) => (admitAll = resolve)) : Promise.resolve();
	const broker = await Aedes.createBroker({
		authenticate: (client, _username, _password, done) => {
			if (options.admitOnlyFirst?.(client.id) !== false) return done(null, true);
			void isOpen.then(() => done(null, true));
		},
	});
	const sockets = new Set<Socket>();
	const server = createServer((socket) => {
		socket.setNoDelay(true);
		sockets.add(socket);
		socket.once('close', () => sockets.delete(socket));
		broker.handle(socket);
	});
	try {
		await listen(server, options.host, options.port);
	} catch (error) {
		await new Promise<void>((resolve) => broker.close(() => resolve()));
		if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
			throw new PortInUseError(options.host, options.port);
		}
		throw error;
	}
	const port = (server.address() as {port: number}).port;
	let closing: Promise<void> | undefined;
	return {
		port,
		url: `mqtt://${options.host}:${port}`,
		admitAll: () => admitAll(),
		close() {
			closing ??= (async () => {
				const closed = new Promise<void>((resolve) => server.close(() => resolve()));
				await new Promise<void>((resolve) => broker.close(() => resolve()));
				// aedes ends its clients; a half-open socket must not keep server.close() waiting.
				for (const socket of sockets) socket.destroy();
				await closed;
			})();
			return closing;
		},
	};
}

function listen(server: Server, host: string, port: number): Promise<void> {
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen({host, port, exclusive: true}, () => {
			server.removeListener('error', reject);
			resolve();
		});
	});
}
