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
