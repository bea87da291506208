// nginx in front of the test wiki, as Wikimedia runs a real HTTP server in front of its
// uploads: it serves the upload folder itself (real Range, multi-range, keep-alive and
// pipelining, which `php -S` rejects) and proxies everything else (api.php, index.php, ...)
// to `php -S`. It runs from a config, pid file, logs and temp folders of its own inside the
// wiki's temp folder, in the foreground, in a process group that dies with this process.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { startGroupServer, type GroupServer } from './php-server.ts';

/** Where Debian's nginx package puts the binary (it is not on a non-root PATH). */
const NGINX_CANDIDATES = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx'];
/** Debian's MIME map; a small built-in one is used when it is absent. */
const DEBIAN_MIME_TYPES = '/etc/nginx/mime.types';
/** Slow API calls (uploads, imports) must not be cut by the proxy. */
const PROXY_TIMEOUT_S = 600;
/** Generous, so that a client pipelining many ranges on one connection is never cut off. */
const KEEPALIVE_TIMEOUT_S = 75;
const KEEPALIVE_REQUESTS = 100_000;
/** The throttled twin of the upload folder (THROTTLED_PREFIX + "wikipedia/..."), for politeness tests. */
export const THROTTLED_PREFIX = '/throttled/';
/** Requests per second per client address the throttled twin allows; one more within the interval gets a 429. */
export const THROTTLED_RATE_PER_S = 2;
/** The Retry-After (seconds) of the throttled twin's 429 answers. */
export const THROTTLED_RETRY_AFTER_S = 1;

/** The nginx binary; throws, saying how to install it, when there is none. */
export function nginxBinary(): string {
  const found = NGINX_CANDIDATES.find((p) => existsSync(p));
  if (found) return found;
  try {
    return execFileSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' }).trim() || missing();
  } catch {
    return missing();
  }
}

function missing(): never {
  throw new Error(
    'nginx is not installed: the test wiki serves its uploads through nginx. ' +
      'Run deploy/local/install-deps.sh (or apt-get install nginx) and try again.',
  );
}

export interface NginxFrontOptions {
  /** The wiki's temp folder; nginx keeps everything of its own in <dir>/nginx. */
  dir: string;
  /** The wiki's document root; /wikipedia/ is served from <docRoot>/wikipedia. */
  docRoot: string;
  /** The port nginx listens on (127.0.0.1). */
  port: number;
  /** The port of `php -S` (127.0.0.1). */
  backendPort: number;
  /** JSON lines, one per request, in mediawiki.ts's LoggedRequest shape. */
  requestLog: string;
  /** stdout+stderr of nginx (its error log goes there). */
  logFile: string;
}

// One JSON object per request. $uri is the percent-decoded, normalised path (what the
// php router logged); escape=json leaves UTF-8 bytes as they are. Empty fields are dropped
// when the log is read. $connection/$connection_requests show keep-alive at work; $msec (the
// time the request was logged, at its end) and $request_time (seconds since its first byte
// was read) time it, e.g. how long a client waited after a 429.
const LOG_FORMAT =
  "'{\"method\":\"$request_method\",\"path\":\"$uri\",\"query\":\"$args\",\"range\":\"$http_range\"," +
  '"status":$status,"bytes":$body_bytes_sent,"connection":$connection,"connectionRequests":$connection_requests,' +
  '"msec":$msec,"requestTime":$request_time,' +
  "\"userAgent\":\"$http_user_agent\"}'";

/** nginx.conf for a front on `port` serving <docRoot>/wikipedia and proxying the rest. */
export function nginxConfig(o: NginxFrontOptions, opts: { asRoot: boolean; mimeTypes: string | null }): string {
  const home = path.join(o.dir, 'nginx');
  const q = (s: string) => JSON.stringify(s); // nginx accepts double-quoted strings with \" escapes
  const mime = opts.mimeTypes
    ? `include ${q(opts.mimeTypes)};`
    : 'types { image/jpeg jpg jpeg; image/png png; image/gif gif; image/webp webp; image/tiff tif tiff; ' +
      'image/svg+xml svg; application/pdf pdf; audio/ogg ogg oga; video/ogg ogv; video/webm webm; }';
  return `# Generated for one test wiki; see deploy/local/wiki/nginx-front.ts.
daemon off;
master_process on;
worker_processes 1;
${opts.asRoot ? 'user root;  # the wiki folder is 0700 and root-owned: workers must read it' : ''}
pid ${q(path.join(home, 'nginx.pid'))};
error_log stderr warn;
events { worker_connections 512; }
http {
  ${mime}
  default_type application/octet-stream;
  log_format seedbank escape=json ${LOG_FORMAT};
  access_log ${q(o.requestLog)} seedbank;
  client_body_temp_path ${q(path.join(home, 'client-body'))};
  proxy_temp_path ${q(path.join(home, 'proxy'))};
  fastcgi_temp_path ${q(path.join(home, 'fastcgi'))};
  uwsgi_temp_path ${q(path.join(home, 'uwsgi'))};
  scgi_temp_path ${q(path.join(home, 'scgi'))};
  sendfile on;
  tcp_nopush on;
  keepalive_timeout ${KEEPALIVE_TIMEOUT_S}s;
  keepalive_requests ${KEEPALIVE_REQUESTS};
  server_tokens off;
  limit_req_zone $binary_remote_addr zone=throttled:1m rate=${THROTTLED_RATE_PER_S}r/s;
  server {
    listen 127.0.0.1:${o.port};
    server_name 127.0.0.1;
    root ${q(o.docRoot)};
    client_max_body_size 0;
    # Uploads: served by nginx from disk, like upload.wikimedia.org.
    location /wikipedia/ {
      try_files $uri =404;
    }
    # The same files under a rate limit that answers 429 with Retry-After, as Wikimedia's
    # upload servers may: a torrent whose url-list points here tests a client's politeness.
    location ${THROTTLED_PREFIX}wikipedia/ {
      alias ${q(path.join(o.docRoot, 'wikipedia') + '/')};
      limit_req zone=throttled;
      limit_req_status 429;
      error_page 429 @throttled;
    }
    location @throttled {
      add_header Retry-After ${THROTTLED_RETRY_AFTER_S} always;
      return 429 "Too many requests: retry after ${THROTTLED_RETRY_AFTER_S} s\n";
    }
    # Where the stub_status module reports requests in flight (see requestsSettled()).
    location = /.seedbank/nginx-status {
      stub_status;
      access_log off;
    }
    # MediaWiki itself: php -S, which sees nginx's Host so that its URLs point here.
    location / {
      proxy_pass http://127.0.0.1:${o.backendPort};
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_read_timeout ${PROXY_TIMEOUT_S}s;
      proxy_send_timeout ${PROXY_TIMEOUT_S}s;
    }
  }
}
`;
}

/** A running nginx front. */
export interface NginxFront extends GroupServer {
  readonly port: number;
  /** Requests nginx is reading or writing right now, from stub_status (the asking one excluded). */
  requestsInFlight(): Promise<number>;
}

/** Writes the config and starts nginx in the foreground in a process group of its own. */
export async function startNginxFront(o: NginxFrontOptions): Promise<NginxFront> {
  const nginx = nginxBinary();
  const home = path.join(o.dir, 'nginx');
  await fs.mkdir(home, { recursive: true });
  const configFile = path.join(home, 'nginx.conf');
  const asRoot = process.getuid?.() === 0;
  await fs.writeFile(configFile, nginxConfig(o, { asRoot, mimeTypes: existsSync(DEBIAN_MIME_TYPES) ? DEBIAN_MIME_TYPES : null }));
  // -e: the error log before the config is read (Debian's default is stderr already).
  const server = await startGroupServer({
    command: nginx,
    args: ['-p', `${home}/`, '-c', configFile, '-e', 'stderr'],
    cwd: home,
    env: process.env,
    logFile: o.logFile,
  });
  const statusUrl = `http://127.0.0.1:${o.port}/.seedbank/nginx-status`;
  return {
    ...server,
    port: o.port,
    async requestsInFlight() {
      const text = await (await fetch(statusUrl, { signal: AbortSignal.timeout(5000) })).text();
      const m = /Reading: (\d+) Writing: (\d+)/.exec(text);
      if (!m) throw new Error(`unexpected nginx stub_status answer: ${text.slice(0, 200)}`);
      return Number(m[1]) + Number(m[2]) - 1;
    },
  };
}
