// Test helper: a TCP proxy in front of a server (Postgres) whose connections a test can cut.
import {createConnection, createServer, type AddressInfo, type Server, type Socket} from 'node:net';

/** A TCP proxy in front of Postgres whose connections the test can cut, as if the server died. */
export class CuttableProxy {
	private readonly sockets = new Set<Socket>();
	private isOpen = true;

	private constructor(private readonly server: Server, readonly url: string) {}

	static async start(databaseUrl: string): Promise<CuttableProxy> {
		const upstream = new URL(databaseUrl);
		let proxy: CuttableProxy | undefined;
		const server = createServer((client) => {
			if (!proxy?.isOpen) return void client.destroy();
			const server = createConnection({host: upstream.hostname, port: Number(upstream.port)});
			for (const [a, b] of [[client, server], [server, client]] as const) {
				proxy.sockets.add(a);
				a.on('error', () => b.destroy());
				a.on('close', () => (proxy?.sockets.delete(a), b.destroy()));
				a.pipe(b);
			}
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		const url = new URL(databaseUrl);
		url.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
		proxy = new CuttableProxy(server, url.toString());
		return proxy;
	}

	/** Drop every connection and refuse new ones. */
	cut(): void {
		this.isOpen = false;
		for (const socket of this.sockets) socket.destroy();
	}

	restore(): void {
		this.isOpen = true;
	}

	close(): Promise<void> {
		this.cut();
		return new Promise((resolve) => this.server.close(() => resolve()));
	}
}
