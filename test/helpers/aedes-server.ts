// Test helper: an in-process aedes broker on a free port of 127.0.0.1, with its open sockets
// (to cut clients off) — for tests that need a broker to misbehave in one precise way.
import {createServer, type Socket} from 'node:net';
import {Aedes, type AedesOptions} from 'aedes';

/** A running in-process broker. */
export interface AedesServer {
	port: number;
	/** The clients' sockets open now. */
	sockets: Set<Socket>;
	/** Cut every client off, stop listening and close the broker. */
	close(): Promise<void>;
}

/** Start aedes with `options` (its `authenticate`/`authorize…` hooks) on a free port. */
export async function startAedesServer(options: Partial<AedesOptions> = {}): Promise<AedesServer> {
	const broker = await Aedes.createBroker(options);
	const sockets = new Set<Socket>();
	const server = createServer((socket) => {
		sockets.add(socket);
		socket.once('close', () => sockets.delete(socket));
		broker.handle(socket);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as {port: number};
	return {
		port,
		sockets,
		close: async () => {
			for (const socket of sockets) socket.destroy();
			server.close();
			await new Promise<void>((resolve) => broker.close(() => resolve()));
		},
	};
}

/** A broker that admits logins until told not to (see {@link startRefusingAedesServer}). */
export interface RefusingAedesServer extends AedesServer {
	/** Admit (true) or refuse (false) every CONNECT from now on. */
	setAllowed(isAllowed: boolean): void;
	/** How many CONNECTs were refused so far. */
	refusals(): number;
}

/**
 * An in-process broker whose logins can be refused, as Mosquitto refuses an account that is
 * disabled or whose password changed: CONNACK return code 4, "bad user name or password"
 * (MQTT 3.1.1 §3.2.2.3). Starts admitting.
 */
export async function startRefusingAedesServer(): Promise<RefusingAedesServer> {
	let isAllowed = true;
	let refusals = 0;
	const server = await startAedesServer({
		authenticate: (_client, _user, _password, callback) => {
			if (isAllowed) return callback(null, true);
			refusals += 1;
			callback(Object.assign(new Error('refused'), {returnCode: 4}), false);
		},
	});
	return {...server, setAllowed: (allowed) => void (isAllowed = allowed), refusals: () => refusals};
}
