// The hermes-chat wire protocol: topics, payload schemas, encode/decode.
// Pure, no I/O; imports zod only. Every other layer decodes MQTT traffic through here.
export * from './topics.js';
export * from './payloads.js';
export * from './v2.js';
export * from './mentions.js';
export * from './signup.js';
export * from './trusted.js';
