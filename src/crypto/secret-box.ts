import {
  createCipheriv,
  createDecipheriv,
  hkdfSync,
  randomBytes,
} from "node:crypto";

const VERSION = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;
const OPENED_CACHE_SIZE = 1000;

/**
 * Encrypts secrets at rest with AES-256-GCM under the instance key. The
 * sealed form is `v1.<iv>.<tag>.<ciphertext>` in base64url, so a later key
 * scheme can be told apart.
 */
export class SecretBox {
  readonly #key: Buffer;
  // Every delivery opens its trigger's signing secret; remembering what
  // was opened saves a decryption per request. The process holds the key
  // anyway, so this keeps nothing it could not already read.
  readonly #opened = new Map<string, string>();

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error("the secret key must be 32 bytes");
    this.#key = key;
  }

  seal(plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.#key, iv);
    const body = Buffer.concat([
      cipher.update(plaintext, "utf8"),
      cipher.final(),
    ]);
    return [VERSION, iv, cipher.getAuthTag(), body]
      .map((part) =>
        typeof part === "string" ? part : part.toString("base64url"),
      )
      .join(".");
  }

  /** A 32-byte key of its own for one purpose (HKDF-SHA256 of the
   * instance key), so a MAC key never doubles as the encryption key. */
  deriveKey(purpose: string): Buffer {
    return Buffer.from(
      hkdfSync("sha256", this.#key, Buffer.alloc(0), purpose, 32),
    );
  }

  open(sealed: string): string {
    const known = this.#opened.get(sealed);
    if (known !== undefined) return known;
    const plaintext = this.#decrypt(sealed);
    if (this.#opened.size >= OPENED_CACHE_SIZE) this.#opened.clear();
    this.#opened.set(sealed, plaintext);
    return plaintext;
  }

  #decrypt(sealed: string): string {
    const [version, iv, tag, body] = sealed.split(".");
    if (version !== VERSION || !iv || !tag || body === undefined) {
      throw new Error("stored secret is not in a known sealed format");
    }
    const decipher = createDecipheriv(
      "aes-256-gcm",
      this.#key,
      Buffer.from(iv, "base64url"),
      { authTagLength: TAG_BYTES },
    );
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    try {
      return Buffer.concat([
        decipher.update(Buffer.from(body, "base64url")),
        decipher.final(),
      ]).toString("utf8");
    } catch (error) {
      throw new Error(
        "cannot decrypt a stored secret: FLOWGATE_SECRET_KEY differs from " +
          "the key it was sealed with",
        { cause: error },
      );
    }
  }
}
