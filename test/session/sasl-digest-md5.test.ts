/**
 * DIGEST-MD5 (RFC 2831) against the RFC's worked examples (section 4), and the parser's edge cases.
 */
import { describe, expect, it } from 'vitest'
import { DigestMd5Client, DigestMd5Error, parseChallenge, parseDirectives, respondToChallenge, verifyRspauth } from '../../src/session/sasl-digest-md5.js'

const IMAP_CHALLENGE = 'realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",qop="auth",algorithm=md5-sess,charset=utf-8'
const ACAP_CHALLENGE = 'realm="elwood.innosoft.com",nonce="OA9BSXrbuRhWay",qop="auth",algorithm=md5-sess,charset=utf-8'

describe('DIGEST-MD5: RFC 2831 examples', () => {
  it('IMAP example: response d388dad9..., rspauth ea40f603...', () => {
    const { token, expectedRspauth } = respondToChallenge(parseChallenge(IMAP_CHALLENGE), {
      username: 'chris',
      password: 'secret',
      digestUri: 'imap/elwood.innosoft.com',
      cnonce: 'OA6MHXh6VqTrRk',
    })
    const fields = new Map(parseDirectives(token.toString()))
    expect(fields.get('response')).toBe('d388dad90d4bbd760a152321f2143af7')
    expect(fields.get('username')).toBe('chris')
    expect(fields.get('realm')).toBe('elwood.innosoft.com')
    expect(fields.get('nonce')).toBe('OA6MG9tEQGm2hh')
    expect(fields.get('cnonce')).toBe('OA6MHXh6VqTrRk')
    expect(fields.get('nc')).toBe('00000001')
    expect(fields.get('qop')).toBe('auth')
    expect(fields.get('digest-uri')).toBe('imap/elwood.innosoft.com')
    expect(fields.get('charset')).toBe('utf-8')
    expect(expectedRspauth).toBe('ea40f60335c427b5527b84dbabcdfffd')
    expect(() => verifyRspauth('rspauth=ea40f60335c427b5527b84dbabcdfffd', expectedRspauth)).not.toThrow()
  })

  it('ACAP example: response 6084c6db..., rspauth 2f0b3d7c...', () => {
    const { token, expectedRspauth } = respondToChallenge(parseChallenge(ACAP_CHALLENGE), {
      username: 'chris',
      password: 'secret',
      digestUri: 'acap/elwood.innosoft.com',
      cnonce: 'OA9BSuZWMSpW8m',
    })
    expect(new Map(parseDirectives(token.toString())).get('response')).toBe('6084c6db3fede7352c551284490fd0fc')
    expect(expectedRspauth).toBe('2f0b3d7c3c2e486600ef710726aa2eae')
  })

  it('the client steps: empty initial token, response, then rspauth completes it', () => {
    const client = new DigestMd5Client({ username: 'chris', password: 'secret', digestUri: 'imap/elwood.innosoft.com', cnonce: 'OA6MHXh6VqTrRk' })
    expect(client.initialToken().length).toBe(0)
    const response = client.evaluate(Buffer.from(IMAP_CHALLENGE))
    expect(response?.toString()).toContain('response=d388dad90d4bbd760a152321f2143af7')
    expect(client.complete).toBe(false)
    expect(client.evaluate(Buffer.from('rspauth=ea40f60335c427b5527b84dbabcdfffd'))).toBeNull()
    expect(client.complete).toBe(true)
  })

  it('a wrong rspauth fails the exchange', () => {
    const client = new DigestMd5Client({ username: 'chris', password: 'secret', digestUri: 'imap/elwood.innosoft.com', cnonce: 'OA6MHXh6VqTrRk' })
    client.initialToken()
    client.evaluate(Buffer.from(IMAP_CHALLENGE))
    expect(() => client.evaluate(Buffer.from('rspauth=00000000000000000000000000000000'))).toThrow(DigestMd5Error)
    expect(client.complete).toBe(false)
  })

  it('defaults to the ZooKeeper digest-uri and the first offered realm', () => {
    const client = new DigestMd5Client({ username: 'alice', password: 'pw' })
    client.initialToken()
    const token = client.evaluate(Buffer.from('realm="zk-sasl-md5",nonce="abc",charset=utf-8,algorithm=md5-sess'))!
    const fields = new Map(parseDirectives(token.toString()))
    expect(fields.get('digest-uri')).toBe('zookeeper/zk-sasl-md5')
    expect(fields.get('realm')).toBe('zk-sasl-md5')
    expect(fields.get('qop')).toBe('auth')
  })
})

describe('DIGEST-MD5: challenge parsing', () => {
  it('reads quoted values with escapes, repeated realms, and a qop list', () => {
    const c = parseChallenge('realm="a\\"b",realm="c", nonce="n,1" , qop="auth,auth-int",algorithm=md5-sess')
    expect(c.realms).toEqual(['a"b', 'c'])
    expect(c.nonce).toBe('n,1')
    expect(c.qop).toEqual(['auth', 'auth-int'])
    expect(c.charset).toBeUndefined()
  })

  it('no qop means auth', () => {
    expect(parseChallenge('nonce="x",algorithm=md5-sess').qop).toEqual(['auth'])
  })

  it('rejects a challenge without nonce, with another algorithm, or without qop=auth', () => {
    expect(() => parseChallenge('realm="r",algorithm=md5-sess')).toThrow(DigestMd5Error)
    expect(() => parseChallenge('nonce="x",algorithm=md5')).toThrow(DigestMd5Error)
    expect(() => parseChallenge('nonce="x",nonce="y",algorithm=md5-sess')).toThrow(DigestMd5Error)
    expect(() => parseChallenge('nonce="x",algorithm=md5-sess,realm="unterminated')).toThrow(DigestMd5Error)
    expect(() => respondToChallenge(parseChallenge('nonce="x",qop="auth-conf",algorithm=md5-sess'), { username: 'u', password: 'p', digestUri: 'a/b' })).toThrow(DigestMd5Error)
  })

  it('an empty or missing server token fails', () => {
    const client = new DigestMd5Client({ username: 'u', password: 'p' })
    client.initialToken()
    expect(() => client.evaluate(null)).toThrow(DigestMd5Error)
    expect(() => client.evaluate(Buffer.alloc(0))).toThrow(DigestMd5Error)
  })
})
