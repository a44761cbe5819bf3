// Streaming check of MQTT fixed headers, so an oversized packet is refused before it is buffered.
// Pure: bytes in, verdicts out; no I/O. May import nothing.
// Protocol source: MQTT 3.1.1 §2.2 (fixed header, Remaining Length), §1.5.3 (variable byte integer).

/** Default largest MQTT packet the hub accepts, in bytes (fixed header included): docker/mosquitto's `max_packet_size`. */
export const DEFAULT_MAX_MQTT_PACKET_BYTES = 65_536;

/**
 * Follows the packets of one MQTT connection holding at most 5 header bytes, never a body,
 * and refuses a Remaining Length that is malformed (a 5th length byte) or makes the packet
 * larger than `maxPacketBytes`. After a refusal it refuses everything.
 */
export class MqttPacketGuard {
	private header: number[] = [];
	/** Body bytes of the current packet still to come. */
	private remaining = 0;
	private refusal: string | undefined;

	/** @param maxPacketBytes largest whole packet accepted, in bytes. */
	constructor(private readonly maxPacketBytes = DEFAULT_MAX_MQTT_PACKET_BYTES) {}

	/**
	 * Feed the next chunk read from the client.
	 * @returns `undefined` while the stream is acceptable, else a one-line reason to close it.
	 */
	push(chunk: Uint8Array): string | undefined {
		let offset = 0;
		while (offset < chunk.length && !this.refusal) {
			if (this.remaining > 0) {
				const take = Math.min(this.remaining, chunk.length - offset);
				this.remaining -= take;
				offset += take;
				continue;
			}
			const byte = chunk[offset++]!;
			this.header.push(byte);
			// header[0] is the packet type and flags; then 1…4 Remaining Length bytes, 7 bits each.
			if (this.header.length === 1) continue;
			if (byte & 0x80) {
				if (this.header.length === 5) this.refusal = 'malformed MQTT Remaining Length (more than 4 bytes)';
				continue;
			}
			let length = 0;
			for (let i = this.header.length - 1; i >= 1; i--) length = length * 128 + (this.header[i]! & 0x7f);
			const size = this.header.length + length;
			if (size > this.maxPacketBytes) {
				this.refusal = `MQTT packet of ${size} bytes exceeds the maximum of ${this.maxPacketBytes}`;
				continue;
			}
			this.header = [];
			this.remaining = length;
		}
		return this.refusal;
	}
}
