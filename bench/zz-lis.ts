import {startTerminal} from '../test/helpers/terminal.js';
const s = startTerminal({command: process.execPath, args: ['--import', '/tmp/h-startup/listeners.mjs', process.argv[2]!, '--user', 'fredy', '--name', 'Fredy'], env: {HERMES_HOME: '/tmp/h-startup/home2', MQTT_URL: undefined, DATABASE_URL: undefined, LISTENERS_OUT: process.argv[3], LISTENERS_AFTER_MS: '15000'}, cols: 110, rows: 30});
await s.waitFor(/broker up.*db up/, 60000);
await new Promise((r) => setTimeout(r, 16000));
await s.close();
