import {describe, expect, it} from 'vitest';
import {hermesHome, isEmbedded, mqttUrlProblem, resolveServiceConfig} from './config.js';

describe('resolveServiceConfig', () => {
	it('is embedded when nothing is configured', () => {
		const config = resolveServiceConfig({}, {});
		expect(config).toEqual({mqttUrl: undefined, databaseUrl: undefined, topicBase: 'chat/messages'});
		expect(isEmbedded(config)).toBe(true);
	});

	it('prefers flags over URLs over the Hermes host variables', () => {
		const env = {
			MQTT_URL: 'mqtt://env:1883',
			MQTT_BROKER_HOST: 'broker',
			DATABASE_URL: 'postgres://env/db',
			POSTGRES_HOST: 'db',
			MQTT_TOPIC: 'env/topic',
		};
		expect(resolveServiceConfig({mqttUrl: 'mqtt://flag:1', databaseUrl: 'postgres://flag/x', topic: 'flag/t'}, env)).toEqual({
			mqttUrl: 'mqtt://flag:1',
			databaseUrl: 'postgres://flag/x',
			topicBase: 'flag/t',
		});
		expect(resolveServiceConfig({}, env)).toEqual({mqttUrl: 'mqtt://env:1883', databaseUrl: 'postgres://env/db', topicBase: 'env/topic'});
	});

	it('builds URLs from the Hermes source system variables', () => {
		const config = resolveServiceConfig({}, {
			MQTT_BROKER_HOST: 'mqtt-broker',
			MQTT_USERNAME: 'fredy',
			MQTT_PASSWORD: 'p@ss',
			POSTGRES_HOST: 'db',
			POSTGRES_DB: 'public',
			POSTGRES_USER: 'dbowner',
			POSTGRES_PASSWORD: 'uX3/yn',
			MQTT_TOPIC: '/chat/messages/',
		});
		expect(config.mqttUrl).toBe('mqtt://fredy:p%40ss@mqtt-broker:1883');
		expect(config.databaseUrl).toBe('postgres://dbowner:uX3%2Fyn@db:5432/public');
		expect(config.topicBase).toBe('chat/messages');
		expect(isEmbedded(config)).toBe(false);
	});

	it('puts the data directory under HERMES_HOME when set', () => {
		expect(hermesHome({HERMES_HOME: '/tmp/h'})).toBe('/tmp/h');
		expect(hermesHome({})).toMatch(/hermes-chat$/);
	});
});

describe('mqttUrlProblem', () => {
	it('accepts one broker URL or a comma-separated list, and names a bad entry', () => {
		expect(mqttUrlProblem(resolveServiceConfig({}, {MQTT_URL: 'mqtt://a:1883,mqtt://b:1883'}))).toBeUndefined();
		expect(mqttUrlProblem(resolveServiceConfig({}, {}))).toBeUndefined();
		expect(mqttUrlProblem(resolveServiceConfig({mqttUrl: 'mqtt://a:1883,tcp//b'}, {}))).toBe(
			'MQTT broker URL 2 of 2 "tcp//b" is not a URL (expected mqtt://host:port, mqtts://, ws:// or wss://)',
		);
	});
});
