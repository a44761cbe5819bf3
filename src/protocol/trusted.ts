// Encoding for payloads the server builds itself from values it has validated already (decoded
// publishes, rows it stored): JSON and the size limit, without the zod schema check that
// encodePayload/encodeV2 run. Pure; imports nothing outside protocol/.
import {MAX_PAYLOAD_BYTES, type ChatPayload} from './payloads.js';
import type {PayloadV2} from './v2.js';

/**
 * The JSON bytes (UTF-8) of `payload`, a version 1 or 2 payload the caller built from already
 * validated values — the ingester's ✓/✗ receipts, forwarded receipts and fan-out of stored
 * messages. Skips the schema check (issue 12: zod ran again on every receipt the ingester
 * encodes); anything built from untrusted input goes through encodePayload/encodeV2 instead.
 * Undefined fields are left out, as JSON.stringify does.
 * @throws Error when the payload exceeds MAX_PAYLOAD_BYTES (bytes).
 */
export function encodeTrusted(payload: ChatPayload | PayloadV2): Buffer {
	const bytes = Buffer.from(JSON.stringify(payload), 'utf8');
	if (bytes.byteLength > MAX_PAYLOAD_BYTES) throw new Error(`payload of ${bytes.byteLength} bytes exceeds ${MAX_PAYLOAD_BYTES}`);
	return bytes;
}
