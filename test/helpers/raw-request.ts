import { connect } from 'node:net';

/** Sends raw bytes on a fresh socket and returns the status and body of the answer (what fetch cannot send). */
export function rawRequest(url: string, text: string): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = connect(Number(u.port), u.hostname, () => s.end(text));
    let out = '';
    s.on('data', (d) => {
      out += d.toString();
    });
    s.on('close', () =>
      resolve({ status: Number(out.slice(9, 12)), body: out.slice(out.indexOf('\r\n\r\n') + 4) }),
    );
    s.on('error', reject);
  });
}
