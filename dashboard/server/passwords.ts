import { randomBytes } from 'node:crypto'

/**
 * Human passwords (dashboard users) use the broker's scrypt hashing for people-chosen passwords
 * (ACL-file service users): one implementation, one `scrypt$N$r$p$salt$hash` format.
 */
export {
  hashServicePassword as hashPassword,
  verifyServicePassword as verifyPassword,
} from '../../broker/service-passwords.js'

/** A readable generated password for the first admin (about 120 bits). */
export function generatePassword(): string {
  return randomBytes(15).toString('base64url')
}
