// Scratch: ChatLink fails over from A to B with a fake ingester on each broker that ✓s every message.
import {readFileSync} from 'node:fs';
import mqtt from 'mqtt';
import {ChatLink} from '../src/live/chat-link.js';
import {createLogger} from '../src/log.js';
import {messagePayloadFor} from '../src/client/outgoing.js';
import {encodeV2, inboxTopic} from '../src/protocol/index.js';
const base = `x-${Date.now()}/messages`;
const A = 'mqtt://127.0.0.1:21840', B = 'mqtt://127.0.0.1:21841';
for (const url of [A, B]) {
	const c = await mqtt.connectAsync(url, {protocolVersion: 5, clientId: `fake-${url.slice(-5)}`});
	await c.subscribeAsync(`${base}/server/alice`, {qos: 1});
	c.on('message', (_t, bytes) => {
		const m = JSON.parse(bytes.toString());
		c.publish(inboxTopic(base, 'alice'), encodeV2({v: 2, type: 'status', status: 'received_by_server', user_id: 'alice', message_id: m.message_id, timestamp: new Date().toISOString(), conversation_id: m.conversation_id, sender_id: 'alice'}), {qos: 1});
	});
}
const acked = new Set<string>();
const link = new ChatLink({url: `${A},${B}`, base, userId: 'alice', name: 'Alice', logger: createLogger({name: 'x', level: 'warn'}), resendAfterMs: 1000, maxResendAfterMs: 2000, reconnectPeriodMs: 200,
	onEvent: (e) => { if (e.type === 'status-arrived' && e.payload.status === 'received_by_server') acked.add(e.payload.message_id); if (e.type === 'state-changed') console.log(Date.now() % 100000, e.state, e.detail); }});
link.start();
await new Promise((r) => setTimeout(r, 1000));
for (let i = 0; i < 1500; i++) link.sendMessage(messagePayloadFor({userId: 'alice', name: 'Alice'}, 'alice:bob', `m-${i}`, `id-${i}`, new Date()));
while (acked.size < 150) await new Promise((r) => setTimeout(r, 5));
const pid = Number(readFileSync('/tmp/h-failover/exp/m21840.pid', 'utf8'));
process.kill(pid, 'SIGKILL');
console.log('killed A at', acked.size);
for (let t = 0; t < 20; t++) {
	await new Promise((r) => setTimeout(r, 2000));
	console.log(`+${(t + 1) * 2}s ✓ ${acked.size}`, JSON.stringify(link.outboxStats ? link.outboxStats() : (link as any).stats?.()));
	if (acked.size === 1500) break;
}
process.exit(0);
