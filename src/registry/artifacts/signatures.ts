/**
 * Optional ed25519 signatures over an artifact's canonical manifest bytes (the bytes whose
 * SHA-256 is the digest). Trusted public keys come from configuration by key id; when policy
 * requires signatures, an unsigned, unknown-key or badly signed artifact is refused.
 */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { SwitchyardError } from '../../core/errors.js';

export interface ManifestSignature {
  /** Id of the trusted key in configuration (registry.signatures.trusted_keys). */
  readonly keyId: string;
  /** Base64 ed25519 signature of the canonical manifest bytes. */
  readonly signature: string;
}

export interface SignaturePolicy {
  /** Refuse unsigned artifacts at push and at load. @default false */
  readonly required: boolean;
  /** Key id → ed25519 public key (SPKI PEM). @default {} */
  readonly trustedKeys: ReadonlyMap<string, KeyObject>;
}

/** Parses a PEM public key and checks it is ed25519; throws with a reason otherwise. */
export function parseTrustedKey(pem: string): KeyObject {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`key type is ${key.asymmetricKeyType ?? 'unknown'}, not ed25519`);
  return key;
}

export function signManifest(canonical: Uint8Array, privateKeyPem: string, keyId: string): ManifestSignature {
  const signature = sign(null, canonical, createPrivateKey(privateKeyPem)).toString('base64');
  return { keyId, signature };
}

const invalid = (message: string): SwitchyardError => new SwitchyardError('SIGNATURE_INVALID', message);

/**
 * Checks a signature under the policy: absent and not required passes; present is always
 * verified (a bad signature is never ignored). Returns whether the artifact counts as signed.
 */
export function checkManifestSignature(canonical: Uint8Array, signature: ManifestSignature | undefined, policy: SignaturePolicy): boolean {
  if (!signature) {
    if (policy.required) throw invalid('policy requires a manifest signature (registry.signatures.required) and none was given');
    return false;
  }
  const key = policy.trustedKeys.get(signature.keyId);
  if (!key) throw invalid(`signing key '${signature.keyId.slice(0, 128)}' is not a trusted key`);
  const bytes = Buffer.from(signature.signature, 'base64');
  if (bytes.byteLength !== 64 || bytes.toString('base64') !== signature.signature) throw invalid('the signature is not 64 bytes of base64');
  if (!verify(null, canonical, key, bytes)) throw invalid(`the signature by '${signature.keyId}' does not verify against the manifest`);
  return true;
}
