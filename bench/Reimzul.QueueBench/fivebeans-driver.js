// Sequential put, reserve, delete cycles with the fivebeans client, one command at a time.
// Usage: node fivebeans-driver.js PORT TUBE CYCLES BODY_BYTES; prints {"cycles":N,"seconds":S}.
'use strict';
const fivebeans = require('fivebeans');

const [port, tube, cycles, bodyBytes] = [Number(process.argv[2]), process.argv[3], Number(process.argv[4]), Number(process.argv[5])];
const client = new fivebeans.client('127.0.0.1', port);

function call(method, ...args) {
    return new Promise((resolve, reject) => {
        client[method](...args, (err, ...results) => (err ? reject(new Error(`${method}: ${err}`)) : resolve(results)));
    });
}

async function run() {
    await call('use', tube);
    await call('watch', tube);
    await call('ignore', 'default');
    const body = 'x'.repeat(bodyBytes);
    const started = process.hrtime.bigint();
    for (let i = 0; i < cycles; i++) {
        await call('put', 10, 0, 60, body);
        const [id] = await call('reserve_with_timeout', 0);
        await call('destroy', id);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    process.stdout.write(JSON.stringify({ cycles, seconds }) + '\n');
    client.end();
}

client.on('connect', () => run().catch(err => { console.error(err.message); process.exit(1); }));
client.on('error', err => { console.error(`connection: ${err.message}`); process.exit(1); });
client.connect();
