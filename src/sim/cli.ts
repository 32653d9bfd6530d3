import { parseArgs } from 'node:util';
import { startSimulator } from './index.js';

/** `npm run sim -- --port 8069 --households 50 --seed 7 --admin-password admin` */
const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    port: { type: 'string', default: '8069' },
    host: { type: 'string', default: '127.0.0.1' },
    households: { type: 'string', default: '20' },
    seed: { type: 'string', default: '1' },
    'admin-password': { type: 'string', default: 'admin' },
  },
});

function integer(name: string, text: string | undefined): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) {
    console.error(`--${name} must be a non-negative integer, got ${text}`);
    process.exit(2);
  }
  return value;
}

const simulator = await startSimulator({
  host: values.host!,
  port: integer('port', values.port),
  households: integer('households', values.households),
  seed: integer('seed', values.seed),
  adminPassword: values['admin-password']!,
});

const users = [2, 6, 7, 8, 9, 10]
  .map((id) => simulator.database.userById(id))
  .filter((user) => user !== undefined)
  .map((user) => `  uid ${user.id}  ${user.login}${user.id === 2 ? ' (password: --admin-password)' : ` (password: ${user.login})`}`);
console.log(`Odoo simulator listening on ${simulator.url}`);
console.log(`database: ${simulator.database.name}`);
console.log(`logins:\n${users.join('\n')}`);

const shutdown = () => {
  simulator.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
