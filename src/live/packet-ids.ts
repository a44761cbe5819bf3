// MQTT packet identifiers for mqtt.js (its `messageIdProvider` option): never one in use.
// live/ only; no imports.

/** The packet identifier space: 1–65,535 (MQTT 5.0 §2.2.1; 0 is not allowed). */
const MAX_ID = 65_535;

/**
 * Hands out packet identifiers round robin, skipping those still in flight, as MQTT 5.0 §2.2.1
 * requires ("a new … PUBLISH (where QoS > 0) … MUST assign it a non-zero Packet Identifier that is
 * currently unused"). Implements mqtt.js 5's `IMessageIdProvider` (lib/default-message-id-provider.ts):
 * `allocate()` returns null when all 65,535 are in use, and mqtt.js then queues the publish until a
 * PUBACK frees one (client.ts `_storeProcessingQueue`).
 *
 * Why not mqtt.js's own: its `DefaultMessageIdProvider` counts round without looking, so past
 * 65,535 unacknowledged publishes a new one takes an in-flight id and overwrites that publish's
 * PUBACK callback; its `UniqueMessageIdProvider` never does, but its allocator scans upwards from
 * the lowest freed id over the ids in use, which profiled at ~4 % of the ingester's CPU (a batch's
 * fan-out in flight) and a fifth of a flooding client's. Round robin reaches an id in use only
 * after a full turn of 65,535 allocations, so allocation is O(1) unless that many are in flight.
 */
export class RoundRobinPacketIds {
	/** `#used[id]` is 1 while `id` is in flight (a flag per id: cheaper than a Set, profiled). */
	#used = new Uint8Array(MAX_ID + 1);
	#inUse = 0;
	#next = 1;
	#last: number | null = null;

	/** The next free identifier (1–65,535), now in use; null when all are in use. */
	allocate(): number | null {
		if (this.#inUse >= MAX_ID) return null;
		let id = this.#next;
		while (this.#used[id] === 1) id = id === MAX_ID ? 1 : id + 1;
		this.#next = id === MAX_ID ? 1 : id + 1;
		this.#used[id] = 1;
		this.#inUse++;
		this.#last = id;
		return id;
	}

	/** The identifier {@link allocate} returned last (mqtt.js asks for it after a publish). */
	getLastAllocated(): number | null {
		return this.#last;
	}

	/** Mark `id` in use (mqtt.js replays its outgoing store on reconnect); false when it already is or is out of range. */
	register(id: number): boolean {
		if (!Number.isInteger(id) || id < 1 || id > MAX_ID || this.#used[id] === 1) return false;
		this.#used[id] = 1;
		this.#inUse++;
		return true;
	}

	/** Free `id` (its PUBACK, PUBCOMP, SUBACK or UNSUBACK arrived). */
	deallocate(id: number): void {
		if (this.#used[id] !== 1) return;
		this.#used[id] = 0;
		this.#inUse--;
	}

	/** Free every identifier (a new connection without a session). */
	clear(): void {
		this.#used.fill(0);
		this.#inUse = 0;
	}
}
