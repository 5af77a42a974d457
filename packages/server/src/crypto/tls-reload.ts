// A certificate renewed without a restart: the pair is read again on SIGHUP (serve.ts wires the
// signal) and whenever the files change, and handed to the listening server with
// setSecureContext. Handshakes after that get the new certificate; connections already open keep
// the one they negotiated. A pair that does not load (a key that does not match, a half-written
// or garbage file) is refused with a log line and the old one keeps serving.
//
// The watch is on the files' directories, not the files: an ACME client or a Kubernetes secret
// volume replaces them by rename (a mounted secret swaps a `..data` symlink), which a watch on
// the old file would never see. Events are debounced: a renewal writes two files, often in
// several steps.

import { X509Certificate } from 'node:crypto';
import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { dirname } from 'node:path';
import { createSecureContext, type Server } from 'node:tls';
import type { Logger } from '../logger.js';
import { type TlsMaterial, tlsServerOptions } from './tls.js';

const DEBOUNCE_MS = 250;

export interface TlsReloader {
  /** Reads the pair again and serves it when it loads and differs. */
  reload(reason: string): 'reloaded' | 'unchanged' | 'refused';
  close(): void;
}

export interface TlsFiles {
  cert: string;
  key: string;
  /** Watch the directories for changes (off for the generated development pair: SIGHUP only). */
  watch: boolean;
}

export function reloadableTls(
  server: Pick<Server, 'setSecureContext'>,
  files: TlsFiles,
  initial: TlsMaterial,
  log: Logger,
): TlsReloader {
  let serving = initial;
  const reload = (reason: string) => {
    const next = readPair(files, log, reason);
    if (!next) return 'refused';
    if (next.cert.equals(serving.cert) && next.key.equals(serving.key)) return 'unchanged';
    server.setSecureContext(tlsServerOptions(next));
    serving = next;
    log.info({ reason, cert: files.cert, ...describeCertificate(next.cert) }, 'TLS certificate reloaded');
    return 'reloaded';
  };
  const watchers = files.watch ? watchDirectories(files, () => reload('files changed'), log) : [];
  return {
    reload,
    close: () => {
      for (const watcher of watchers) watcher.close();
    },
  };
}

/** The pair, or null (logged) when it cannot serve: unreadable, not PEM, or a key of another certificate. */
function readPair(files: TlsFiles, log: Logger, reason: string): TlsMaterial | null {
  try {
    const pair = { cert: readFileSync(files.cert), key: readFileSync(files.key) };
    // Builds the context the server would use: OpenSSL checks the key against the certificate.
    createSecureContext(tlsServerOptions(pair));
    return pair;
  } catch (err) {
    log.error(
      { reason, cert: files.cert, key: files.key, error: (err as Error).message },
      'TLS certificate reload refused: the new certificate and key do not load; still serving the previous ones',
    );
    return null;
  }
}

export function describeCertificate(cert: Buffer): { subject: string; validTo: string; fingerprint256: string } {
  const x509 = new X509Certificate(cert);
  return { subject: x509.subject, validTo: new Date(x509.validTo).toISOString(), fingerprint256: x509.fingerprint256 };
}

function watchDirectories(files: TlsFiles, onChange: () => void, log: Logger): FSWatcher[] {
  let timer: NodeJS.Timeout | undefined;
  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(onChange, DEBOUNCE_MS);
    timer.unref();
  };
  const watchers: FSWatcher[] = [];
  for (const dir of new Set([dirname(files.cert), dirname(files.key)])) {
    try {
      const watcher = watch(dir, { persistent: false }, changed);
      watcher.on('error', (err) => log.warn({ err, dir }, 'watching the TLS directory failed; reload with SIGHUP'));
      watchers.push(watcher);
    } catch (err) {
      log.warn({ err, dir }, 'cannot watch the TLS directory; reload with SIGHUP');
    }
  }
  return watchers;
}
