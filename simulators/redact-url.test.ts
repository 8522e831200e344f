import { describe, expect, it } from 'vitest'
import { redactUrl } from './redact-url.js'

describe('redactUrl', () => {
  it('drops user and password from a broker URL', () => {
    expect(redactUrl('mqtt://dev:secret@broker.example:1883')).toBe('mqtt://broker.example:1883')
  })

  it('leaves URLs without credentials, and non-URLs, as they are', () => {
    expect(redactUrl('mqtt://localhost:1883')).toBe('mqtt://localhost:1883')
    expect(redactUrl('not a url')).toBe('not a url')
  })
})
