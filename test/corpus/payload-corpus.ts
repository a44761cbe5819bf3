// The bad-input corpus for the wire protocol (docs/protocol.md): hostile publishes on every topic
// kind, each invalid by construction. Deterministic: hand-written mutations plus fast-check
// byte mutations under a fixed seed. Pure (no I/O).
import fc from 'fast-check';
import {decodePayload} from '../../src/protocol/payloads.js';
import {parseTopic} from '../../src/protocol/topics.js';
import {decodeV2} from '../../src/protocol/v2.js';

/** One hostile publish: where, what bytes, and why it is invalid. */
export interface BadPublish {
	name: string;
	topic: string;
	bytes: Buffer;
}

/** The user every hostile publish comes from (never a row of the database). */
export const MALLORY = 'mallory';
const TS = '2026-11-22T10:00:00.000Z';

type Json = Record<string, unknown>;

/** The valid payload of each kind, published by mallory, with the topic it belongs on. */
function templates(base: string): Array<{kind: string; topic: string; payload: Json}> {
	return [
		{
			kind: 'message',
			topic: `${base}/bob/${MALLORY}`,
			payload: {type: 'message', message_id: 'm-corpus-1', sender_id: MALLORY, sender_name: 'Mallory', receiver_id: 'bob', content: 'hi', message_type: 'text', timestamp: TS},
		},
		{
			kind: 'broadcast',
			topic: `${base}/all/${MALLORY}`,
			payload: {type: 'message', message_id: 'm-corpus-2', sender_id: MALLORY, sender_name: 'Mallory', receiver_id: 'all', content: 'hi all', message_type: 'text', timestamp: TS},
		},
		{kind: 'status', topic: `${base}/bob/${MALLORY}`, payload: {type: 'status', message_id: 'm-corpus-3', status: 'read', user_id: MALLORY, timestamp: TS}},
		{
			kind: 'typing',
			topic: `${base}/bob/${MALLORY}`,
			payload: {type: 'typing', sender_id: MALLORY, sender_name: 'Mallory', receiver_id: 'bob', is_typing: true, timestamp: TS},
		},
		{
			kind: 'presence',
			topic: `${base}/presence/${MALLORY}`,
			payload: {type: 'presence', user_id: MALLORY, user_name: 'Mallory', state: 'away', status_message: 'lunch', timestamp: TS},
		},
		{kind: 'server receipt', topic: `${base}/${MALLORY}/server`, payload: {type: 'status', message_id: 'm-corpus-4', status: 'received_by_server', user_id: MALLORY, timestamp: TS}},
	];
}

const WRONG_TYPES: Array<[string, unknown]> = [
	['number', 42],
	['null', null],
	['array', ['x']],
	['object', {x: 1}],
	['boolean', false],
];

const OPTIONAL_FIELDS = new Set(['message_type', 'status_message']);

/**
 * Protocol 2 payloads from mallory on her server topic `{base}/server/mallory`. Version 2 accepts
 * and drops unknown fields (docs/protocol.md, compatibility policy), so the mutations that only
 * add a field are left out for these ({@link V2_VALID_MUTATIONS}).
 */
function templatesV2(base: string): Array<{kind: string; topic: string; payload: Json}> {
	const topic = `${base}/server/${MALLORY}`;
	return [
		{kind: 'v2 message', topic, payload: {v: 2, type: 'message', message_id: 'm-corpus-v2-1', conversation_id: `bob:${MALLORY}`, sender_id: MALLORY, sender_name: 'Mallory', content: 'hi', timestamp: TS}},
		{kind: 'v2 status', topic, payload: {v: 2, type: 'status', status: 'read', conversation_id: `bob:${MALLORY}`, message_id: 'm-corpus-v2-2', sender_id: 'bob', user_id: MALLORY, timestamp: TS}},
		{kind: 'v2 typing', topic, payload: {v: 2, type: 'typing', conversation_id: 'all', sender_id: MALLORY, sender_name: 'Mallory', is_typing: true, timestamp: TS}},
		{kind: 'v2 room', topic, payload: {v: 2, type: 'room', message_id: 'r-corpus-v2-1', conversation_id: 'room-corpus', sender_id: MALLORY, sender_name: 'Mallory', action: 'rename', title: 'T', timestamp: TS}},
		{kind: 'v2 edit', topic, payload: {...action('e-corpus-v2-1'), type: 'edit', target: {sender_id: MALLORY, message_id: 'm-corpus-v2-1'}, content: 'fixed', version: 1}},
		{kind: 'v2 delete', topic, payload: {...action('d-corpus-v2-1'), type: 'delete'}},
		{kind: 'v2 react', topic, payload: {...action('x-corpus-v2-1'), type: 'react', emoji: '👍', is_on: true}},
	];
}

/** The common fields of a message action by mallory on bob's message m-bob (issue 10). */
function action(id: string): Json {
	return {v: 2, message_id: id, conversation_id: `bob:${MALLORY}`, sender_id: MALLORY, sender_name: 'Mallory', target: {sender_id: 'bob', message_id: 'm-bob'}, timestamp: TS};
}

/** Mutations that add a field: valid in version 2 (the field is dropped). */
const V2_VALID_MUTATIONS = /^(unknown field|__proto__ field|nested \d+ deep)$/;

/**
 * Whether the server refuses a publish, routed as the ingester routes it: `{base}/server/{from}`
 * → decodeV2(from), any other topic → decodePayload (version 1).
 */
export function isRefusedByServer(base: string, topic: string, bytes: Buffer): boolean {
	const route = parseTopic(base, topic);
	if (route?.to === 'server') return !decodeV2(route.from, bytes).ok;
	return !decodePayload(base, topic, bytes).ok;
}

function nested(depth: number): string {
	return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

/** Mutations of one valid payload that make it invalid, each with a name. */
function mutations(payload: Json): Array<[string, string | Buffer]> {
	const json = JSON.stringify(payload);
	const out: Array<[string, string | Buffer]> = [];
	// malformed / truncated
	for (const cut of [1, 2, Math.floor(json.length / 2), json.length - 1]) out.push([`truncated at ${cut}`, json.slice(0, cut)]);
	out.push(['trailing garbage', `${json}}`], ['two objects', `${json}${json}`], ['single quotes', json.replaceAll('"', "'")]);
	// not an object
	for (const [what, value] of [['null', null], ['array', [payload]], ['string', json], ['number', 7], ['true', true]] as const) out.push([`top-level ${what}`, JSON.stringify(value)]);
	out.push(['empty', ''], ['whitespace', '   ']);
	// wrong-typed and missing fields (type too)
	for (const field of Object.keys(payload)) {
		const {[field]: _dropped, ...rest} = payload;
		// message_type and status_message have defaults: leaving them out is valid.
		if (!OPTIONAL_FIELDS.has(field)) out.push([`missing ${field}`, JSON.stringify(rest)]);
		for (const [what, value] of WRONG_TYPES) {
			if (typeof value === typeof payload[field] && value !== null) continue;
			out.push([`${field} as ${what}`, JSON.stringify({...payload, [field]: value})]);
		}
	}
	out.push(['unknown type', JSON.stringify({...payload, type: 'sticker'})]);
	// unknown fields
	out.push(['unknown field', JSON.stringify({...payload, admin: true})], ['__proto__ field', `${json.slice(0, -1)},"__proto__":{"admin":true}}`]);
	// oversized: over 16,384 bytes (but far below any broker's packet limit)
	out.push(['16,385 bytes', JSON.stringify({...payload, pad: 'x'.repeat(16_385 - json.length - 9)})]);
	out.push(['20,000 bytes', JSON.stringify({...payload, pad: 'x'.repeat(20_000)})]);
	// not UTF-8
	for (const [what, bad] of [['0xff', [0xff]], ['overlong', [0xc0, 0xaf]], ['lone surrogate', [0xed, 0xa0, 0x80]], ['cut sequence', [0xe2, 0x82]]] as const) {
		const at = json.indexOf('"timestamp"');
		out.push([`non-UTF-8 ${what}`, Buffer.concat([Buffer.from(json.slice(0, at)), Buffer.from(bad), Buffer.from(json.slice(at))])]);
	}
	out.push(['UTF-16 BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(json, 'utf16le')])]);
	// deep nesting
	for (const depth of [64, 1_000, 8_000]) out.push([`nested ${depth} deep`, JSON.stringify({...payload, extra: 0}).replace('0}', `${nested(depth)}}`)]);
	out.push(['nested object 5,000 deep', `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`]);
	// huge numbers
	out.push(['timestamp 1e309', json.replace(`"${TS}"`, '1e309')], ['timestamp 2^64', json.replace(`"${TS}"`, '18446744073709551616')]);
	out.push(['timestamp year 275760+', JSON.stringify({...payload, timestamp: '+275761-01-01T00:00:00.000Z'})], ['timestamp without zone', JSON.stringify({...payload, timestamp: '2026-11-22T10:00:00'})]);
	return out;
}

/** Invalid field values and spoofed authors, per kind (the names say why each is refused). */
function refusals(base: string): BadPublish[] {
	const cases: Array<[string, string, Json]> = [];
	const message = templates(base)[0]!;
	const m = message.payload;
	const add = (name: string, topic: string, payload: Json) => cases.push([name, topic, payload]);
	add('message: spoofed sender_id', message.topic, {...m, sender_id: 'alice'});
	add('message: receiver_id not the topic recipient', message.topic, {...m, receiver_id: 'carol'});
	add('message: empty content', message.topic, {...m, content: ''});
	add('message: 4,001 characters', message.topic, {...m, content: 'x'.repeat(4_001)});
	add('message: empty message_id', message.topic, {...m, message_id: ''});
	add('message: 256-character message_id', message.topic, {...m, message_id: 'a'.repeat(256)});
	add('message: message_id with a space', message.topic, {...m, message_id: 'a b'});
	add('message: message_id with SQL', message.topic, {...m, message_id: "x');DROP TABLE chat_messages;--"});
	add('message: blank sender_name', message.topic, {...m, sender_name: '   '});
	add('message: 101-character sender_name', message.topic, {...m, sender_name: 'n'.repeat(101)});
	add('message: message_type image', message.topic, {...m, message_type: 'image'});
	add('message: timestamp not a date', message.topic, {...m, timestamp: 'yesterday'});
	add('message: to a reserved id', `${base}/server/${MALLORY}`, {...m, receiver_id: 'server'});
	add('message: sender id with a slash', `${base}/bob/${MALLORY}`, {...m, sender_id: 'mal/lory'});
	add('message: from user "presence"', `${base}/bob/presence`, {...m, sender_id: 'presence'});
	add('status: spoofed user_id', `${base}/bob/${MALLORY}`, {type: 'status', message_id: 'm-x', status: 'read', user_id: 'bob', timestamp: TS});
	add('status: status sent', `${base}/bob/${MALLORY}`, {type: 'status', message_id: 'm-x', status: 'sent', user_id: MALLORY, timestamp: TS});
	add('presence: spoofed user_id', `${base}/presence/${MALLORY}`, {type: 'presence', user_id: 'alice', user_name: 'Alice', state: 'offline', status_message: '', timestamp: TS});
	add('presence: unknown state', `${base}/presence/${MALLORY}`, {type: 'presence', user_id: MALLORY, user_name: 'M', state: 'invisible', status_message: '', timestamp: TS});
	add('presence: 201-character status', `${base}/presence/${MALLORY}`, {type: 'presence', user_id: MALLORY, user_name: 'M', state: 'away', status_message: 's'.repeat(201), timestamp: TS});
	add('presence: a message on the presence topic', `${base}/presence/${MALLORY}`, m);
	add('typing: spoofed sender_id', `${base}/bob/${MALLORY}`, {type: 'typing', sender_id: 'alice', sender_name: 'A', receiver_id: 'bob', is_typing: true, timestamp: TS});
	const v2 = `${base}/server/${MALLORY}`;
	const [v2m, v2s, , v2r] = templatesV2(base).map((t) => t.payload) as [Json, Json, Json, Json];
	add('v2 message: version 3', v2, {...v2m, v: 3});
	add('v2 message: no version (a v1 payload on the server topic)', v2, {...m, receiver_id: 'bob'});
	add('v2 message: spoofed sender_id', v2, {...v2m, sender_id: 'alice'});
	add('v2 message: system line from a client', v2, {...v2m, message_type: 'system'});
	add('v2 message: seq from a client', v2, {...v2m, seq: 1});
	add('v2 message: event from a client', v2, {...v2m, event: {action: 'kick', user_ids: ['bob']}});
	add('v2 message: reversed direct id', v2, {...v2m, conversation_id: `${MALLORY}:bob`});
	add('v2 message: direct id with three parts', v2, {...v2m, conversation_id: `a:b:${MALLORY}`});
	add('v2 message: room id with a slash', v2, {...v2m, conversation_id: 'room-a/b'});
	add('v2 message: room id of 97 characters', v2, {...v2m, conversation_id: `room-${'r'.repeat(97)}`});
	add('v2 message: a user as conversation', v2, {...v2m, conversation_id: 'bob'});
	add('v2 status: spoofed user_id', v2, {...v2s, user_id: 'carol'});
	add('v2 status: received_by_server from a client', v2, {...v2s, status: 'received_by_server', sender_id: MALLORY});
	add('v2 status: rejected from a client', v2, {...v2s, status: 'rejected', reason: 'no'});
	add('v2 status: reason on a read', v2, {...v2s, reason: 'why'});
	add('v2 room: rename without title', v2, {...v2r, title: undefined});
	add('v2 room: invite without user_ids', v2, {...v2r, action: 'invite'});
	add('v2 room: kick with no users', v2, {...v2r, action: 'kick', user_ids: []});
	add('v2 room: op of a reserved id', v2, {...v2r, action: 'op', user_ids: ['server']});
	add('v2 room: topic without topic', v2, {...v2r, action: 'topic'});
	add('v2 room: unknown action', v2, {...v2r, action: 'ban'});
	add('v2 room: on a direct conversation', v2, {...v2r, conversation_id: `bob:${MALLORY}`});
	add('v2 room: 101-character title', v2, {...v2r, title: 't'.repeat(101)});
	add('v2 room: 51 users', v2, {...v2r, action: 'invite', user_ids: Array.from({length: 51}, (_, i) => `u${i}`)});
	const [, , , , v2e, v2d, v2x] = templatesV2(base).map((t) => t.payload) as Json[];
	add('v2 message: reply_to as a string', v2, {...v2m, reply_to: 'm-bob'});
	add('v2 message: reply_to without sender', v2, {...v2m, reply_to: {message_id: 'm-bob'}});
	add('v2 message: reply_to with a server quote', v2, {...v2m, reply_to: {sender_id: 'bob', message_id: 'm-bob', preview: 'faked quote'}});
	add('v2 edit: spoofed sender_id', v2, {...v2e, sender_id: 'bob'});
	add('v2 edit: version 0', v2, {...v2e, version: 0});
	add('v2 edit: version 51', v2, {...v2e, version: 51});
	add('v2 edit: version 1.5', v2, {...v2e, version: 1.5});
	add('v2 edit: blank content', v2, {...v2e, content: ' \n '});
	add('v2 edit: 4,001 characters', v2, {...v2e, content: 'x'.repeat(4_001)});
	add('v2 edit: applied_at from a client', v2, {...v2e, applied_at: TS});
	add('v2 delete: target of a reserved id', v2, {...v2d, target: {sender_id: 'server', message_id: 'm-bob'}});
	add('v2 delete: target message_id with SQL', v2, {...v2d, target: {sender_id: 'bob', message_id: "x');DELETE FROM chat_messages;--"}});
	add('v2 react: two emoji', v2, {...v2x, emoji: '👍👍'});
	add('v2 react: a word', v2, {...v2x, emoji: 'lol'});
	add('v2 react: 33 bytes', v2, {...v2x, emoji: '👍'.repeat(8) + 'x'});
	add('v2 react: an emoji with a bell', v2, {...v2x, emoji: '👍\u0007'});
	add('v2 react: an escape sequence', v2, {...v2x, emoji: '\u001b[31m'});
	add('v2 react: is_on missing', v2, {...v2x, is_on: undefined});
	add('topic: two levels', `${base}/bob`, m);
	add('topic: four levels', `${base}/bob/${MALLORY}/x`, m);
	add('topic: empty recipient', `${base}//${MALLORY}`, m);
	add('topic: 65-character recipient', `${base}/${'b'.repeat(65)}/${MALLORY}`, {...m, receiver_id: 'b'.repeat(65)});
	return cases.map(([name, topic, payload]) => ({name, topic, bytes: Buffer.from(JSON.stringify(payload))}));
}

/**
 * Random byte mutations (flip, insert, delete) of each valid template, fast-check seed `seed`.
 * Some mutations may still be valid JSON of the protocol; `isRefused` (the decoder) keeps only
 * the invalid ones, so the corpus stays "invalid by construction".
 */
function randomMutations(base: string, seed: number, perTemplate: number, isRefused: (topic: string, bytes: Buffer) => boolean): BadPublish[] {
	const out: BadPublish[] = [];
	const edit = fc.tuple(fc.constantFrom('flip', 'insert', 'delete'), fc.nat(), fc.integer({min: 0, max: 255}));
	for (const [index, template] of [...templates(base), ...templatesV2(base)].entries()) {
		const json = Buffer.from(JSON.stringify(template.payload));
		const edits = fc.sample(fc.array(edit, {minLength: 1, maxLength: 4}), {seed: seed + index, numRuns: perTemplate * 2});
		for (const [n, list] of edits.entries()) {
			let bytes = Buffer.from(json);
			for (const [op, at, value] of list) {
				const i = at % Math.max(bytes.length, 1);
				if (op === 'flip') bytes[i] = (bytes[i] ?? 0) ^ (value || 1);
				else if (op === 'insert') bytes = Buffer.concat([bytes.subarray(0, i), Buffer.from([value]), bytes.subarray(i)]);
				else bytes = Buffer.concat([bytes.subarray(0, i), bytes.subarray(i + 1)]);
			}
			if (isRefused(template.topic, bytes) && out.filter((c) => c.name.startsWith(`${template.kind}: random`)).length < perTemplate) {
				out.push({name: `${template.kind}: random mutation ${n}`, topic: template.topic, bytes});
			}
		}
	}
	return out;
}

/**
 * The whole corpus for topic base `base`: every template × every mutation, the hand-written
 * refusals, and `perTemplate` random mutations per template (seed 2026).
 * @param isRefused the oracle for random mutations only (see {@link randomMutations}).
 */
export function payloadCorpus(base: string, isRefused: (topic: string, bytes: Buffer) => boolean, perTemplate = 10): BadPublish[] {
	const cases: BadPublish[] = [];
	for (const template of [...templates(base), ...templatesV2(base)]) {
		for (const [name, bytes] of mutations(template.payload)) {
			if (template.kind.startsWith('v2') && V2_VALID_MUTATIONS.test(name)) continue;
			cases.push({name: `${template.kind}: ${name}`, topic: template.topic, bytes: Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes)});
		}
	}
	return [...cases, ...refusals(base), ...randomMutations(base, 2026, perTemplate, isRefused)];
}
