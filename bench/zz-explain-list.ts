import {CLIENT_SESSION, openDb} from '../src/store/db.js';
import {CONVERSATIONS_QUERY, conversationPageParams} from '../src/store/history-people.js';
const base = 'postgres://postgres@127.0.0.1:22101/hermes_history_43448a14';
const viewer = 'hist_43448a14';
const member = new URL(base); member.username = viewer;
const limit = Number(process.argv[2] ?? 50);
for (let round = 0; round < 3; round++)
for (const [name, url] of [['owner', base], ['member', member.toString()]] as const) {
	const db = openDb({databaseUrl: url, max: 1, ...CLIENT_SESSION});
	for (const prepared of [false, true]) {
		const run = () => prepared ? db.pool.query({name: 'list', text: CONVERSATIONS_QUERY, values: conversationPageParams(viewer, limit) as unknown[]}) : db.query(CONVERSATIONS_QUERY, conversationPageParams(viewer, limit));
		for (let i = 0; i < 20; i++) await run();
		const t: number[] = [];
		for (let i = 0; i < 100; i++) { const s = performance.now(); await run(); t.push(performance.now() - s); }
		t.sort((a, b) => a - b);
		console.log(name, prepared ? 'prepared' : 'plain', 'p50', t[50]!.toFixed(2), 'p99', t[98]!.toFixed(2));
	}
	await db.close();
}
