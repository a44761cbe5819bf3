// Creating the embedded cluster (PGlite's initdb) in a short-lived child process: initdb runs in
// a WebAssembly instance of its own whose memory the hub would otherwise keep (RSS 830 MB after a
// first start, 470 MB even after closing and collecting it, against ~230 MB when the hub opens a
// cluster created elsewhere). May import @electric-sql/pglite and node:.
import {fork} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {PGlite} from '@electric-sql/pglite';

/** How long initdb may take in the child, in ms (it takes ~4 s on an idle machine). */
export const INIT_CLUSTER_TIMEOUT_MS = 180_000;

/**
 * Create the cluster in `pgdata` (which must hold no PG_VERSION) in a child process and wait
 * for it to exit. When this module runs from TypeScript source (tests, tsx), the child is
 * started with tsx's loader too.
 * @throws Error with the child's last stderr line when it fails, exits on a signal or times out.
 */
export async function initClusterInChild(pgdata: string): Promise<void> {
	const self = fileURLToPath(import.meta.url);
	const child = fork(self, ['--init-cluster', pgdata], {
		execArgv: self.endsWith('.ts') ? ['--import', 'tsx'] : [],
		stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
		timeout: INIT_CLUSTER_TIMEOUT_MS,
	});
	let stderr = '';
	child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2_000)));
	const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
		child.once('error', reject);
		child.once('exit', (exitCode, exitSignal) => resolve([exitCode, exitSignal]));
	});
	if (code !== 0) {
		const last = stderr.trim().split('\n').at(-1) ?? '';
		throw new Error(`creating the database in ${pgdata} failed (${signal ?? `exit ${code}`})${last ? `: ${last}` : ''}`);
	}
}

// The child: `node init-cluster.js --init-cluster <pgdata>` creates the cluster and exits.
if (process.argv[2] === '--init-cluster' && process.argv[3] && process.send) {
	const db = await PGlite.create(process.argv[3]);
	await db.close();
	process.exit(0);
}
