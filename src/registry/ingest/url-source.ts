/**
 * Artifacts fetched from a URL, only from a configured allow-list: the URL must start with an
 * allowed prefix (scheme, host, port and path prefix all compared on the parsed URL), carry no
 * credentials, and use https (http only with `allow_http`, an explicit choice in config).
 * The body is capped while it streams; redirects are not followed (a redirect could leave the list).
 */
import { request } from 'undici';
import { SwitchyardError } from '../../core/errors.js';

export interface UrlSourcePolicy {
  /** URL prefixes, e.g. `https://models.example.com/releases/`. @default [] (no URL sources) */
  readonly allowList: readonly string[];
  /** Accept `http:` sources (and prefixes); off by default, so only https is fetched. @default false */
  readonly allowHttp: boolean;
  /** @default 30000 */
  readonly timeoutMs: number;
}

const notAllowed = (message: string): SwitchyardError => new SwitchyardError('INGEST_SOURCE_NOT_ALLOWED', message);

/** The parsed URL when the policy allows it; throws INGEST_SOURCE_NOT_ALLOWED otherwise. */
export function checkSourceUrl(raw: string, policy: UrlSourcePolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw notAllowed('the source is not a valid absolute URL');
  }
  if (url.username || url.password) throw notAllowed('a source URL must not carry credentials');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) throw notAllowed(`scheme '${url.protocol}' is not allowed; use https`);
  for (const entry of policy.allowList) {
    const prefix = new URL(entry);
    if (prefix.protocol !== url.protocol || prefix.host !== url.host) continue;
    const base = prefix.pathname.endsWith('/') ? prefix.pathname : `${prefix.pathname}/`;
    // Compared after URL parsing, so `..` and percent-encoded dots are already resolved.
    if (url.pathname === prefix.pathname || url.pathname.startsWith(base)) return url;
  }
  throw notAllowed(`${url.origin}${url.pathname} is not on the ingest allow-list (registry.ingest.url_allow_list)`);
}

export async function fetchSource(raw: string, policy: UrlSourcePolicy, maxBytes: number): Promise<Buffer> {
  const url = checkSourceUrl(raw, policy);
  const failed = (why: string): SwitchyardError => new SwitchyardError('INGEST_SOURCE_FAILED', `fetching ${url.origin}${url.pathname} failed: ${why}`);
  let response: Awaited<ReturnType<typeof request>>;
  try {
    response = await request(url, { method: 'GET', headersTimeout: policy.timeoutMs, bodyTimeout: policy.timeoutMs });
  } catch (error) {
    throw failed((error as Error).message);
  }
  if (response.statusCode !== 200) {
    await response.body.dump();
    throw failed(`status ${response.statusCode}`);
  }
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body.dump();
    throw new SwitchyardError('ARTIFACT_TOO_LARGE', `the source declares ${declared} bytes, over the ingest limit of ${maxBytes}`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of response.body) {
      total += (chunk as Buffer).byteLength;
      if (total > maxBytes) {
        response.body.destroy();
        throw new SwitchyardError('ARTIFACT_TOO_LARGE', `the source sent more than the ingest limit of ${maxBytes} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof SwitchyardError) throw error;
    throw failed((error as Error).message);
  }
  return Buffer.concat(chunks);
}
