/**
 * Certificates for local use and tests, in pure Node (no openssl binary, no dependency): a
 * development CA, a server certificate for localhost, and client certificates whose CN is a
 * device id. X.509 v3 with ECDSA P-256 / SHA-256, DER-encoded by hand below (RFC 5280).
 * Not for production: a city uses certificates from its own PKI or a public CA.
 */
import {
  createHash,
  createPrivateKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
} from 'node:crypto'
import { isIP } from 'node:net'

export interface IssuedCertificate {
  certPem: string
  keyPem: string
  key: KeyObject
  /** The subject as DER, for certificates this one issues. */
  subjectDer: Buffer
  publicKeyDer: Buffer
}

// ---- minimal DER ----
function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length
  const length =
    n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff])
  return Buffer.concat([Buffer.from([tag]), length, content])
}
const seq = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items))
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items))
const bool = (value: boolean) => tlv(0x01, Buffer.from([value ? 0xff : 0]))
const octets = (content: Buffer) => tlv(0x04, content)
const bits = (content: Buffer, unused = 0) => tlv(0x03, Buffer.concat([Buffer.from([unused]), content]))
const explicit = (n: number, content: Buffer) => tlv(0xa0 + n, content)
const integer = (bytes: Buffer) =>
  tlv(0x02, bytes[0] !== undefined && bytes[0] & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes)
function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number) as [number, number, ...number[]]
  const bytes = [40 * a + b]
  for (const value of rest) {
    const chunk = [value & 0x7f]
    for (let v = Math.floor(value / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80)
    bytes.push(...chunk)
  }
  return tlv(0x06, Buffer.from(bytes))
}
function time(date: Date): Buffer {
  const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14) // YYYYMMDDHHMMSS
  return date.getUTCFullYear() < 2050
    ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`))
    : tlv(0x18, Buffer.from(`${iso}Z`))
}
const name = (commonName: string) => seq(set(seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(commonName, 'utf8')))))
const extension = (id: string, critical: boolean, value: Buffer) =>
  seq(oid(id), ...(critical ? [bool(true)] : []), octets(value))
const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'))

function pem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? []
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`
}

/** The key identifier of RFC 5280 §4.2.1.2 (1): SHA-1 of the subjectPublicKey bits. */
function keyId(spkiDer: Buffer): Buffer {
  // the BIT STRING is the last element of the SubjectPublicKeyInfo; for P-256 it is 66 bytes
  return createHash('sha1')
    .update(spkiDer.subarray(spkiDer.length - 65))
    .digest()
}

interface Issue {
  commonName: string
  days: number
  usage: 'ca' | 'server' | 'client'
  /** DNS names and IP addresses for a server certificate. */
  altNames?: readonly string[]
  issuer?: IssuedCertificate
  now?: Date
}

export function issueCertificate(options: Issue): IssuedCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  const spki = publicKey.export({ type: 'spki', format: 'der' })
  const now = options.now ?? new Date()
  const subject = name(options.commonName)
  const issuer = options.issuer
  const extensions = [
    options.usage === 'ca'
      ? extension('2.5.29.19', true, seq(bool(true)))
      : extension('2.5.29.19', true, seq()),
    // keyCertSign + cRLSign for the CA; digitalSignature for the others
    extension(
      '2.5.29.15',
      true,
      options.usage === 'ca' ? bits(Buffer.from([0x06]), 1) : bits(Buffer.from([0x80]), 7),
    ),
    extension('2.5.29.14', false, octets(keyId(spki))),
  ]
  if (issuer) extensions.push(extension('2.5.29.35', false, seq(tlv(0x80, keyId(issuer.publicKeyDer)))))
  if (options.usage !== 'ca') {
    const purpose = options.usage === 'server' ? '1.3.6.1.5.5.7.3.1' : '1.3.6.1.5.5.7.3.2'
    extensions.push(extension('2.5.29.37', false, seq(oid(purpose))))
  }
  if (options.altNames?.length) {
    const names = options.altNames.map((n) => {
      const family = isIP(n)
      if (family === 4) return tlv(0x87, Buffer.from(n.split('.').map(Number)))
      return tlv(0x82, Buffer.from(n, 'ascii'))
    })
    extensions.push(extension('2.5.29.17', false, seq(...names)))
  }
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))),
    integer(Buffer.concat([Buffer.from([0x01]), randomBytes(15)])),
    ECDSA_SHA256,
    issuer ? issuer.subjectDer : subject,
    seq(time(new Date(now.getTime() - 3_600_000)), time(new Date(now.getTime() + options.days * 86_400_000))),
    subject,
    spki,
    explicit(3, seq(...extensions)),
  )
  const signature = sign('sha256', tbs, issuer ? issuer.key : privateKey)
  const der = seq(tbs, ECDSA_SHA256, bits(signature))
  return {
    certPem: pem('CERTIFICATE', der),
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    key: privateKey,
    subjectDer: subject,
    publicKeyDer: spki,
  }
}

/** A development CA and a server certificate for the given names (default localhost). */
export function createDevCertificates(options: { altNames?: readonly string[]; days?: number } = {}) {
  const days = options.days ?? 825
  const ca = issueCertificate({ commonName: 'mimamori development CA', days: days + 1, usage: 'ca' })
  const server = issueCertificate({
    commonName: options.altNames?.[0] ?? 'localhost',
    days,
    usage: 'server',
    altNames: options.altNames ?? ['localhost', '127.0.0.1'],
    issuer: ca,
  })
  return { ca, server }
}

/** The elements of a DER SEQUENCE, as raw TLVs. */
function elements(der: Buffer): Buffer[] {
  const header = (at: number) => {
    const first = der[at + 1] as number
    if (first < 0x80) return { start: at + 2, length: first }
    const n = first & 0x7f
    let length = 0
    for (let i = 0; i < n; i++) length = length * 256 + (der[at + 2 + i] as number)
    return { start: at + 2 + n, length }
  }
  const outer = header(0)
  const out: Buffer[] = []
  for (let at = outer.start; at < outer.start + outer.length; ) {
    const { start, length } = header(at)
    out.push(der.subarray(at, start + length))
    at = start + length
  }
  return out
}

/** A CA from its PEM files (e.g. those `certs dev` wrote), to issue more certificates with it. */
export function loadIssuer(certPem: string, keyPem: string): IssuedCertificate {
  const der = Buffer.from(certPem.replace(/-----[^-]+-----|\s/g, ''), 'base64')
  const tbs = elements(der)[0] as Buffer
  const fields = elements(tbs)
  // version, serial, signature, issuer, validity, subject, subjectPublicKeyInfo, …
  return {
    certPem,
    keyPem,
    key: createPrivateKey(keyPem),
    subjectDer: fields[5] as Buffer,
    publicKeyDer: fields[6] as Buffer,
  }
}
