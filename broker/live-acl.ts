import { type Acl, type AclFile, createAcl } from './acl-file.js'

/**
 * An ACL that can be replaced while the broker runs (scale-out: it lives in PostgreSQL and a
 * NOTIFY says when it changed). The hooks read `user()` and `anonymousRules` on every CONNECT, so
 * a replacement applies to the next connection; live connections keep the rights they got.
 */
export function createLiveAcl(file: AclFile): Acl & { replace(file: AclFile): void } {
  let current = createAcl(file)
  return {
    user: (username) => current.user(username),
    get anonymousRules() {
      return current.anonymousRules
    },
    replace(next) {
      current = createAcl(next)
    },
  }
}
