import {execFileSync} from 'node:child_process';
import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {quietMqttPacketDebug} from './quiet-mqtt-packet.js';

const LIVE = import.meta.dirname;

/**
 * In a fresh node (so mqtt-packet is not loaded yet): record which namespaces ask the `debug`
 * factory that mqtt-packet resolves for a real logger, load connect.ts, and report them with
 * whether mqtt-packet got a no-op instead. `DEBUG` as given.
 */
function namespacesAfterConnect(debugEnv: string): {asked: string[]; isParserQuiet: boolean} {
	const script = `
		import {createRequire} from 'node:module';
		import {dirname} from 'node:path';
		const require = createRequire(${JSON.stringify(join(LIVE, 'connect.ts'))});
		const mqttPacket = require.resolve('mqtt-packet', {paths: [dirname(require.resolve('mqtt'))]});
		const debugPath = require.resolve('debug', {paths: [dirname(mqttPacket)]});
		const real = require(debugPath);
		const asked = [];
		require.cache[debugPath].exports = Object.assign((namespace) => (asked.push(namespace), real(namespace)), real);
		await import(${JSON.stringify(join(LIVE, 'connect.ts'))});
		const parser = require(debugPath)('mqtt-packet:parser');
		console.log(JSON.stringify({asked, isParserQuiet: parser.isQuiet === true}));
	`;
	const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {env: {...process.env, DEBUG: debugEnv}, encoding: 'utf8'});
	return JSON.parse(out.trim().split('\n').at(-1)!) as {asked: string[]; isParserQuiet: boolean};
}

describe('quiet mqtt-packet debug', () => {
	it('once connect.ts is loaded, mqtt-packet got no-op loggers (DEBUG does not name it): its real loggers were never made', () => {
		const {asked, isParserQuiet} = namespacesAfterConnect('');
		expect(isParserQuiet).toBe(true);
		expect(asked.filter((n) => n.startsWith('mqtt-packet:'))).toEqual([]);
	});

	it('keeps the real mqtt-packet loggers when DEBUG names them', () => {
		const {asked, isParserQuiet} = namespacesAfterConnect('mqtt-packet:*');
		expect(isParserQuiet).toBe(false);
		expect(asked).toEqual(expect.arrayContaining(['mqtt-packet:parser', 'mqtt-packet:writeToStream']));
	});

	it('quiets only mqtt-packet namespaces: every other one gets its real logger', () => {
		expect(quietMqttPacketDebug()).toBe(true);
		const require = createRequire(import.meta.url);
		const mqttPacket = require.resolve('mqtt-packet', {paths: [dirname(require.resolve('mqtt'))]});
		const debug = require(require.resolve('debug', {paths: [dirname(mqttPacket)]})) as (namespace: string) => {isQuiet?: boolean};
		expect(debug('mqtt-packet:parser').isQuiet).toBe(true);
		expect(debug('mqttjs:client').isQuiet).toBeUndefined();
		expect(debug('hermes-test:other').isQuiet).toBeUndefined();
	});
});
