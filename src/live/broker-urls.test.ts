import {describe, expect, it} from 'vitest';
import {mapBrokerUrls, parseBrokerList, redactBrokerList, withBrokerCredentials} from './broker-urls.js';

describe('parseBrokerList', () => {
	it('reads one URL as a list of one, with its credentials decoded', () => {
		expect(parseBrokerList('mqtt://ingest:p%40ss@broker:1884')).toEqual({
			brokers: [{protocol: 'mqtt', host: 'broker', port: 1884, label: 'mqtt://broker:1884'}],
			username: 'ingest',
			password: 'p@ss',
		});
	});

	it('reads a comma-separated list in order, spaces allowed, default ports per scheme', () => {
		const list = parseBrokerList(' mqtt://a , mqtts://b.example ,ws://c:8080/mqtt,wss://d/mqtt');
		expect(list.brokers.map((b) => [b.protocol, b.host, b.port, b.label])).toEqual([
			['mqtt', 'a', 1883, 'mqtt://a'],
			['mqtts', 'b.example', 8883, 'mqtts://b.example'],
			['ws', 'c', 8080, 'ws://c:8080/mqtt'],
			['wss', 'd', 443, 'wss://d/mqtt'],
		]);
		expect(list.path).toBe('/mqtt');
	});

	it('shares one set of credentials: entries may omit them, not contradict them', () => {
		expect(parseBrokerList('mqtt://a:1883,mqtt://u:pw@b:1883')).toMatchObject({username: 'u', password: 'pw'});
		expect(() => parseBrokerList('mqtt://u:pw@a:1883,mqtt://v:pw@b:1883')).toThrow('MQTT broker URL 2 of 2 "mqtt://v:***@b:1883" has other credentials than entry 1');
	});

	it.each([
		['', 'no MQTT broker URL given'],
		['mqtt://a:1883,,mqtt://b:1883', 'MQTT broker URL 2 of 3 is empty'],
		['mqtt://a:1883,b:1883', 'MQTT broker URL 2 of 2 "b:1883" has scheme b (expected mqtt, mqtts, ws or wss)'],
		['mqtt://a:1883,broker', 'MQTT broker URL 2 of 2 "broker" is not a URL'],
		['http://a:80', 'MQTT broker URL "http://a" has scheme http'],
		['mqtt://u:secret@a:99999', 'is not a URL'],
		['ws://a/mqtt,ws://b/other', 'MQTT broker URL 2 of 2 "ws://b/other" has path /other, entry 1 has /mqtt'],
	])('refuses %j with one line naming the entry', (value, message) => {
		let error: Error | undefined;
		try {
			parseBrokerList(value);
		} catch (caught) {
			error = caught as Error;
		}
		expect(error?.message).toContain(message);
		expect(error?.message).not.toContain('\n');
		expect(error?.message).not.toContain('secret');
	});
});

describe('list helpers', () => {
	it('puts credentials on every entry unless one names a user', () => {
		expect(withBrokerCredentials('mqtt://a:1883,mqtt://b:1883', 'alice', 'p w')).toBe('mqtt://alice:p%20w@a:1883,mqtt://alice:p%20w@b:1883');
		expect(withBrokerCredentials('mqtt://a:1883,mqtt://bridge:s@b:1883', 'alice', 'pw')).toBe('mqtt://a:1883,mqtt://bridge:s@b:1883');
		expect(withBrokerCredentials('mqtt://a:1883', 'alice')).toBe('mqtt://alice@a:1883');
	});

	it('maps and redacts each entry', () => {
		expect(mapBrokerUrls('mqtt://a:1,mqtt://b:2', (url) => (url.port = '3'))).toBe('mqtt://a:3,mqtt://b:3');
		expect(redactBrokerList('mqtt://u:pw@a:1, mqtt://u:pw@b:2')).toBe('mqtt://u:***@a:1,mqtt://u:***@b:2');
	});
});
