// Side effect only, imported by connect.ts before mqtt: mqtt-packet's `debug` loggers become
// no-ops unless DEBUG names them. May import node:module and node:path only.
//
// Why: mqtt-packet (mqtt.js's codec) calls its module-private `debug` logger for every number it
// writes or parses, and the `debug` package allocates an argument array on each call even when
// the logger is off — 2.7 % of the ingester's busy time plus the garbage (issue 12; a patched
// mqtt-packet took the ingester from 59 to 54 µs/msg, lower in every round). The logger is made
// when mqtt-packet loads (`require('debug')(namespace)`), so the factory it will get from
// `require('debug')` is wrapped here, before mqtt loads it.
import {createRequire} from 'node:module';
import {dirname} from 'node:path';

/** What `require('debug')` exports, as far as used here. */
interface DebugFactory {
	(namespace: string): (...args: unknown[]) => void;
	/** Whether DEBUG (read when `debug` loaded) names `namespace`. */
	enabled(namespace: string): boolean;
}

/** Namespaces whose disabled loggers become no-ops (mqtt.js's own `mqttjs:*` is handled in connect.ts). */
const QUIETED = /^mqtt-packet:/;

/** A disabled `debug` logger that allocates nothing per call. */
function silentLogger(namespace: string): (...args: unknown[]) => void {
	const log = (): void => undefined;
	return Object.assign(log, {namespace, enabled: false, isQuiet: true, extend: (sub: string, delimiter = ':') => silentLogger(`${namespace}${delimiter}${sub}`), destroy: () => false});
}

/**
 * Wrap the `debug` factory that mqtt-packet resolves (as mqtt resolves mqtt-packet) so that its
 * loggers are {@link silentLogger}s unless DEBUG names them; every other namespace gets the real
 * logger. Does nothing when mqtt-packet or debug cannot be resolved, or once done.
 * @returns whether the factory is wrapped now.
 */
export function quietMqttPacketDebug(): boolean {
	try {
		const require = createRequire(import.meta.url);
		const mqttPacket = require.resolve('mqtt-packet', {paths: [dirname(require.resolve('mqtt'))]});
		const debugPath = require.resolve('debug', {paths: [dirname(mqttPacket)]});
		const factory = require(debugPath) as DebugFactory & {isQuietWrapper?: true};
		const cached = require.cache[debugPath];
		if (!cached) return false;
		if (factory.isQuietWrapper) return true;
		const wrapped = Object.assign(
			(namespace: string) => (QUIETED.test(namespace) && !factory.enabled(namespace) ? silentLogger(namespace) : factory(namespace)),
			factory,
			{isQuietWrapper: true as const},
		);
		cached.exports = wrapped;
		return true;
	} catch {
		return false;
	}
}

quietMqttPacketDebug();
