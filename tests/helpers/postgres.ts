import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { freePort } from './processes.js'

const PG_ROOT = '/usr/lib/postgresql'

/** Debian's versioned server binaries (/usr/lib/postgresql/<major>/bin), newest first. */
export function postgresBinDir(): string | undefined {
  if (!existsSync(PG_ROOT)) return undefined
  const versions = readdirSync(PG_ROOT)
    .filter((v) => existsSync(join(PG_ROOT, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a))
  return versions[0] ? join(PG_ROOT, versions[0], 'bin') : undefined
}

/** For `missingProgram`: a path that exists exactly when the server binaries are installed. */
export const POSTGRES_INITDB = join(postgresBinDir() ?? join(PG_ROOT, '<version>', 'bin'), 'initdb')

export interface PostgresServer {
  /** `postgres://mimamori@127.0.0.1:<port>/mimamori` (trust auth on loopback). */
  url: string
  port: number
  /** Runs one statement (parameterized) on a fresh connection. */
  query<T>(sql: string, params?: unknown[]): Promise<T[]>
  stop(): Promise<void>
}

/**
 * A throwaway PostgreSQL cluster: `initdb` on a temp dir, `postgres` on 127.0.0.1 and a free
 * port, its socket in the temp dir, fsync off. It ignores the cluster Debian's package may have
 * created (/var/lib/postgresql, port 5432). initdb and postgres refuse to run as root, so as root
 * both run as the `postgres` system user (spawn's uid/gid), which then owns the temp dir.
 */
export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBinDir()
  if (!bin) throw new Error(`no PostgreSQL server binaries under ${PG_ROOT}`)
  const dir = mkdtempSync(join(tmpdir(), 'mimamori-pg-'))
  const dataDir = join(dir, 'data')
  let owner: { uid: number; gid: number } | undefined
  if (process.getuid?.() === 0) {
    owner = {
      uid: Number(execFileSync('id', ['-u', 'postgres']).toString().trim()),
      gid: Number(execFileSync('id', ['-g', 'postgres']).toString().trim()),
    }
    chownSync(dir, owner.uid, owner.gid)
    chmodSync(dir, 0o700)
  }
  const as = owner ? { uid: owner.uid, gid: owner.gid } : {}
  execFileSync(
    join(bin, 'initdb'),
    ['-D', dataDir, '-U', 'mimamori', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions'],
    { ...as, cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
  )
  const port = await freePort()
  let log = ''
  const child: ChildProcess = spawn(
    join(bin, 'postgres'),
    [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
    ],
    { ...as, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const collect = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-20_000)
  }
  child.stdout?.on('data', collect)
  child.stderr?.on('data', collect)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const adminUrl = `postgres://mimamori@127.0.0.1:${port}/postgres`
  const deadline = Date.now() + 30_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited ${child.exitCode}: ${log}`)
    const client = new pg.Client({ connectionString: adminUrl })
    client.on('error', () => {})
    const ok = await client.connect().then(
      () => true,
      () => false,
    )
    if (ok) {
      await client.query('CREATE DATABASE mimamori')
      await client.end()
      break
    }
    if (Date.now() > deadline) throw new Error(`postgres did not start: ${log}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const url = `postgres://mimamori@127.0.0.1:${port}/mimamori`
  return {
    url,
    port,
    async query<T>(sql: string, params: unknown[] = []) {
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      try {
        return (await client.query(sql, params)).rows as T[]
      } finally {
        await client.end()
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGINT') // fast shutdown: roll back and disconnect clients
        await exited
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
