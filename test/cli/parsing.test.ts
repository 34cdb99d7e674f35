/**
 * The CLI's parsing and formatting without a server: shell lines (zkCli's quoting), command flags
 * (commons-cli habits), the invocation, and the zkCli text formats.
 */
import { describe, expect, it } from 'vitest'
import { UsageError, parseFlags, splitLine } from '../../src/cli/args.js'
import { clientConfigString } from '../../src/cli/commands-admin.js'
import { parseDump } from '../../src/cli/commands-dump.js'
import { aclText, childrenText, dataFromJson, dataJson, hex, javaDate, parseAcl, permString } from '../../src/cli/format.js'
import { parseInvocation } from '../../src/cli/invocation.js'
import { Perms } from '../../src/index.js'

describe('splitLine', () => {
  it("splits as zkCli does: quotes only around a whole word, kept inside one", () => {
    expect(splitLine('create /a "two words" world:anyone:r').words).toEqual(['create', '/a', 'two words', 'world:anyone:r'])
    expect(splitLine(`set /a {"k":"v"}`).words).toEqual(['set', '/a', '{"k":"v"}'])
    expect(splitLine("set /a 'it is'").words).toEqual(['set', '/a', 'it is'])
    expect(splitLine('  ls   / ').words).toEqual(['ls', '/'])
    expect(splitLine('set /a ""').words).toEqual(['set', '/a', ''])
  })

  it('takes a bare > or >> and the file after it as the redirection', () => {
    expect(splitLine('dump /app > app.json')).toEqual({ words: ['dump', '/app'], redirect: { file: 'app.json', append: false } })
    expect(splitLine('ls / >> out')).toEqual({ words: ['ls', '/'], redirect: { file: 'out', append: true } })
    expect(splitLine('set /a ">"').words).toEqual(['set', '/a', '>'])
    expect(() => splitLine('ls / >')).toThrow(UsageError)
    expect(() => splitLine('ls / > a > b')).toThrow(/only one output redirection/)
    expect(() => splitLine('set /a "open')).toThrow(/unterminated " quote/)
  })
})

describe('parseFlags', () => {
  const spec = { s: 'flag', w: 'flag', v: 'value' } as const
  it('takes flags anywhere, combined, with attached values, and stops at --', () => {
    const p = parseFlags(['/a', '-sw', 'data', '-v3', '--', '-s'], spec, false)
    expect([...p.flags]).toEqual([['s', true], ['w', true], ['v', '3']])
    expect(p.positional).toEqual(['/a', 'data', '-s'])
    expect(parseFlags(['-v', '-1', '/a'], spec, false).flags.get('v')).toBe('-1')
    expect(parseFlags(['--json', '/a'], spec, true).json).toBe(true)
    expect(parseFlags(['-', '/a'], spec, false).positional).toEqual(['-', '/a'])
  })

  it('refuses an unknown flag, a missing value and --json where it is not offered', () => {
    expect(() => parseFlags(['-x'], spec, false)).toThrow('Unrecognized option: -x')
    expect(() => parseFlags(['-sx'], spec, false)).toThrow('Unrecognized option: -sx')
    expect(() => parseFlags(['/a', '-v'], spec, false)).toThrow('Missing argument for option: v')
    expect(() => parseFlags(['--json'], spec, false)).toThrow('Unrecognized option: --json')
  })
})

describe('parseInvocation', () => {
  it("reads zkCli's options up to the command; defaults are zkCli's", () => {
    expect(parseInvocation([], {})).toMatchObject({ server: 'localhost:2181', timeout: 30_000, readOnly: false, command: null })
    const inv = parseInvocation(['-server', 'h:1,h:2/app', '-timeout', '5000', '-r', 'ls', '-R', '/'], {})
    expect(inv).toMatchObject({ server: 'h:1,h:2/app', timeout: 5000, readOnly: true, command: ['ls', '-R', '/'] })
  })

  it('takes credentials from flags and the environment', () => {
    expect(parseInvocation(['-sasl-user', 'alice'], { ZKWIRE_SASL_PASSWORD: 'pw' }).sasl).toEqual({ username: 'alice', password: 'pw' })
    expect(parseInvocation(['-auth', 'digest:bob:pw', '-auth', 'ip:1'], {}).auth).toEqual([{ scheme: 'digest', auth: 'bob:pw' }, { scheme: 'ip', auth: '1' }])
  })

  it('refuses what it cannot use, saying what was given', () => {
    expect(() => parseInvocation(['-server'], {})).toThrow('no argument found for option -server')
    expect(() => parseInvocation(['-timeout', '-5'], {})).toThrow('-timeout must be a positive number of ms, got "-5"')
    expect(() => parseInvocation(['-sasl-user', 'alice'], {})).toThrow(/needs a password/)
    expect(() => parseInvocation(['-auth', 'nocolon'], {})).toThrow(/scheme:credentials/)
    expect(() => parseInvocation(['--nope'], {})).toThrow('unknown option --nope')
  })
})

describe('zkCli formats', () => {
  it('hex as Long.toHexString (two complement for negative ids)', () => {
    expect(hex(0n)).toBe('0x0')
    expect(hex(0x1000016fa310001n)).toBe('0x1000016fa310001')
    expect(hex(-1n)).toBe('0xffffffffffffffff')
    expect(hex(-(1n << 63n))).toBe('0x8000000000000000')
  })

  it('dates as java.util.Date.toString in the given zone', () => {
    expect(javaDate(0n, 'UTC')).toBe('Thu Jan 01 00:00:00 UTC 1970')
    expect(javaDate(1_796_156_556_415n, 'UTC')).toBe('Tue Dec 01 20:22:36 UTC 2026')
    expect(javaDate(1_796_156_556_415n, 'America/New_York')).toBe('Tue Dec 01 15:22:36 EST 2026')
    expect(javaDate(1_783_000_000_000n, 'America/New_York')).toMatch(/ EDT 2026$/)
  })

  it("ACLs as zkCli prints and parses them", () => {
    expect(permString(Perms.ALL)).toBe('cdrwa')
    expect(permString(Perms.READ | Perms.ADMIN)).toBe('ra')
    expect(aclText([{ id: { scheme: 'ip', id: '10.0.0.1' }, perms: Perms.READ }])).toBe("'ip,'10.0.0.1\n: r\n")
    expect(aclText([{ id: { scheme: 'x', id: 'a,b%c' }, perms: 0 }])).toBe("'x,'a%2Cb%25c\n: \n")
    expect(parseAcl('digest:bob:h=:cdrwa,ip:10.0.0.1:r')).toEqual([
      { id: { scheme: 'digest', id: 'bob:h=' }, perms: Perms.ALL },
      { id: { scheme: 'ip', id: '10.0.0.1' }, perms: Perms.READ },
    ])
    expect(() => parseAcl('world:anyone')).toThrow(/does not have the form scheme:id:perm/)
    expect(() => parseAcl('world:anyone:rq')).toThrow(/unknown permission "q"/)
  })

  it('children sorted as Java strings; data as UTF-8 or base64 both ways', () => {
    expect(childrenText(['b', 'B', 'a10', 'a9'])).toBe('[B, a10, a9, b]\n')
    expect(dataJson(Buffer.from('héllo'))).toEqual({ data: 'héllo', encoding: 'utf8' })
    const binary = Buffer.from([0xc3, 0x28])
    expect(dataJson(binary)).toEqual({ data: 'wyg=', encoding: 'base64' })
    expect(dataFromJson('wyg=', 'base64')).toEqual(binary)
    expect(() => dataFromJson('x', 'hex')).toThrow(/unknown data encoding/)
  })

  it('config -c as ConfigUtils.getClientConfigStr: voting members, wildcard client address replaced', () => {
    const config = ['server.1=10.0.0.1:2888:3888:participant;0.0.0.0:2181', 'server.2=10.0.0.2:2888:3888:participant;10.1.1.2:2182', 'server.3=10.0.0.3:2888:3888:observer;2181', 'version=100000000'].join('\n')
    expect(clientConfigString(config)).toBe('100000000 10.0.0.1:2181,10.1.1.2:2182')
    expect(clientConfigString('')).toBe(' ')
  })

  it('a dump file is checked before anything is loaded', () => {
    expect(() => parseDump('[]', 'f')).toThrow(/is not a zkwire dump/)
    expect(() => parseDump(JSON.stringify({ format: 'zkwire-dump', version: 1, root: '/a', nodes: [{ path: '/b', data: '', acl: [] }] }), 'f')).toThrow(/outside the dump's root/)
    expect(parseDump(JSON.stringify({ format: 'zkwire-dump', version: 1, root: '/', nodes: [{ path: '/b', data: '', acl: [] }] }), 'f').nodes).toHaveLength(1)
  })
})
