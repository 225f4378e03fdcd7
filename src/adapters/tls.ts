// Reads a server's TLS certificate (node:tls) without trusting or refusing it:
// the checklist wants the expiry date and whether the chain verifies, both.
import { connect } from 'node:tls';
import { errorCode } from '../errors.js';

export interface PeerCertificate {
  /** notAfter, epoch ms. */
  validTo: number;
  validFrom: number;
  subject: string | null;
  issuer: string | null;
  /** Whether the chain verified against the system CAs for this host name. */
  authorized: boolean;
  authorizationError: string | null;
}

export interface ReadCertificateOptions {
  host: string;
  port: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

export function readPeerCertificate({ host, port, timeoutMs, signal }: ReadCertificateOptions): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    // rejectUnauthorized off so an untrusted or expired certificate is still read and reported.
    const socket = connect({ host, port, servername: /^[\d.:]+$/.test(host) ? undefined : host, rejectUnauthorized: false, timeout: timeoutMs });
    const fail = (err: Error) => {
      socket.destroy();
      reject(err);
    };
    const onAbort = () => fail(Object.assign(new Error('aborted'), { code: 'ABORT_ERR' }));
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('timeout', () => fail(Object.assign(new Error(`TLS handshake timed out after ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    socket.once('error', (err: Error) => fail(new Error(`TLS connection to ${host}:${port} failed (${errorCode(err) ?? err.message})`, { cause: err })));
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      signal?.removeEventListener('abort', onAbort);
      socket.end();
      if (!cert || !cert.valid_to) {
        reject(new Error(`${host}:${port} sent no certificate`));
        return;
      }
      resolve({
        validTo: Date.parse(cert.valid_to),
        validFrom: Date.parse(cert.valid_from),
        subject: typeof cert.subject?.CN === 'string' ? cert.subject.CN : null,
        issuer: typeof cert.issuer?.CN === 'string' ? cert.issuer.CN : null,
        authorized: socket.authorized,
        authorizationError: describeAuthorizationError(socket.authorizationError),
      });
    });
  });
}

/** Node gives the verification failure as a code string (DEPTH_ZERO_SELF_SIGNED_CERT) or an Error. */
function describeAuthorizationError(value: unknown): string | null {
  if (!value) return null;
  if (typeof value === 'string') return value;
  if (value instanceof Error) return errorCode(value) ?? value.message;
  return 'unverified';
}
