import { createInterface } from 'node:readline';
import { hashSecret } from '../http/auth/secret-hash.js';

/**
 * `npm run hash-secret` reads a client secret on standard input (one line; typed or piped,
 * never on the command line where `ps` and the shell history would keep it) and prints the
 * scrypt hash to put in `auth.clientCredentials.clients.<id>.secretHash`.
 * `npm run hash-secret -- --generate` makes a random secret, printing it and its hash.
 */
async function readLine(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('client secret: ');
  const lines = createInterface({ input: process.stdin, terminal: false });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  return '';
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h') || argv.some((a) => a !== '--generate')) {
    process.stderr.write(
      'usage: npm run hash-secret            (reads the secret on standard input)\n       npm run hash-secret -- --generate  (prints a new random secret and its hash)\n',
    );
    return argv.includes('--help') || argv.includes('-h') ? 0 : 2;
  }
  if (argv.includes('--generate')) {
    const { randomBytes } = await import('node:crypto');
    const secret = randomBytes(24).toString('base64url');
    process.stdout.write(`secret: ${secret}\nsecretHash: ${await hashSecret(secret)}\n`);
    return 0;
  }
  const secret = await readLine();
  if (secret.length < 16) {
    process.stderr.write('refusing: a client secret needs at least 16 characters\n');
    return 1;
  }
  process.stdout.write(`${await hashSecret(secret)}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`hash-secret: ${(err as Error).message}\n`);
    process.exitCode = 1;
  },
);
