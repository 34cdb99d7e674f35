/**
 * Authentication and ACL enforcement by a real server: digest users, `auth:` (creator) ACLs,
 * read-only nodes, ip ACLs, the super user, and a failed authentication.
 */
import { describe, expect, it } from 'vitest'
import {
  Acls,
  AuthFailedError,
  type ConnectionState,
  InvalidAclError,
  InvalidArgumentError,
  NoAuthError,
  Perms,
  digestAcl,
  digestId,
  ipAcl,
} from '../../src/index.js'
import { SUPER_USER } from '../support/global-server.js'
import { chrootClient, connect } from '../support/zk.js'

describe('digest ACLs', () => {
  it('a node with a digest ACL is NoAuth without credentials and usable with them', async () => {
    const { client, connectString } = await chrootClient()
    await client.create('/secret', 'hidden', { acl: [digestAcl('alice', 'pw')] })
    const error = await client.getData('/secret').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NoAuthError)
    expect(error).toMatchObject({ code: 'NOAUTH', path: '/secret', operation: 'getData' })
    await expect(client.setData('/secret', 'x')).rejects.toThrow(NoAuthError)
    await expect(client.create('/secret/child')).rejects.toThrow(NoAuthError)

    const wrong = await connect(connectString)
    await wrong.addAuth('digest', 'alice:wrong') // accepted by the server, but matches no ACL
    await expect(wrong.getData('/secret')).rejects.toThrow(NoAuthError)

    const alice = await connect(connectString)
    await alice.addAuth('digest', 'alice:pw')
    expect((await alice.getData('/secret')).data.toString()).toBe('hidden')
    await alice.setData('/secret', 'changed')
    await alice.create('/secret/child')
    expect((await alice.getChildren('/secret')).children).toEqual(['child'])
  })

  it('credentials given in the client options apply from the first request', async () => {
    const { client, connectString } = await chrootClient()
    await client.create('/secret', 'hidden', { acl: [digestAcl('bob', 'pw', Perms.READ)] })
    const bob = await connect(connectString, { auth: [{ scheme: 'digest', auth: 'bob:pw' }] })
    expect((await bob.getData('/secret')).data.toString()).toBe('hidden')
    await expect(bob.setData('/secret', 'x')).rejects.toThrow(NoAuthError) // READ only
  })

  it('Acls.creatorAll needs credentials: InvalidAclError without, the creator\'s identity with', async () => {
    const { client, connectString } = await chrootClient()
    const error = await client.create('/mine', null, { acl: Acls.creatorAll }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidAclError)
    expect(error).toMatchObject({ code: 'INVALIDACL', path: '/mine' })
    expect(await client.exists('/mine')).toBeNull()

    await client.addAuth('digest', 'carol:pw')
    await client.create('/mine', 'c', { acl: Acls.creatorAll })
    const { acl } = await client.getACL('/mine')
    expect(acl).toEqual([{ perms: Perms.ALL, id: digestId('carol', 'pw') }])

    const stranger = await connect(connectString)
    await expect(stranger.getData('/mine')).rejects.toThrow(NoAuthError)
    const carolAgain = await connect(connectString, { auth: [{ scheme: 'digest', auth: 'carol:pw' }] })
    expect((await carolAgain.getData('/mine')).data.toString()).toBe('c')
  })

  it('a client-wide defaultAcl applies to creates that give none', async () => {
    const { connectString } = await chrootClient()
    const client = await connect(connectString, { defaultAcl: Acls.readOnly })
    await client.create('/ro', 'x')
    expect((await client.getACL('/ro')).acl).toEqual([...Acls.readOnly])
    await expect(client.setData('/ro', 'y')).rejects.toThrow(NoAuthError)
  })
})

describe('read-only, ip and invalid ACLs', () => {
  it('Acls.readOnly allows reads and forbids writes, child creates and ACL changes', async () => {
    const { client } = await chrootClient()
    await client.create('/ro', 'x', { acl: Acls.readOnly })
    expect((await client.getData('/ro')).data.toString()).toBe('x')
    expect((await client.getChildren('/ro')).children).toEqual([])
    await expect(client.setData('/ro', 'y')).rejects.toThrow(NoAuthError)
    await expect(client.create('/ro/child')).rejects.toThrow(NoAuthError)
    await expect(client.setACL('/ro', Acls.open)).rejects.toThrow(NoAuthError)
    // Deleting a node is governed by its parent's ACL, not its own.
    await client.delete('/ro')
  })

  it('ip ACLs match the client\'s address', async () => {
    const { client } = await chrootClient()
    await client.create('/local', 'l', { acl: [ipAcl('127.0.0.1')] })
    await client.create('/elsewhere', 'e', { acl: [ipAcl('10.1.2.0/24')] })
    expect((await client.getData('/local')).data.toString()).toBe('l')
    await expect(client.getData('/elsewhere')).rejects.toThrow(NoAuthError)
  })

  it('an empty or malformed ACL is refused locally; an unknown scheme by the server', async () => {
    const { client } = await chrootClient()
    await client.create('/a')
    await expect(client.create('/b', null, { acl: [] })).rejects.toThrow(InvalidArgumentError)
    await expect(client.setACL('/a', [])).rejects.toThrow(InvalidArgumentError)
    await expect(client.setACL('/a', [{ perms: Perms.ALL, id: { scheme: 'world' } }] as never)).rejects.toThrow(InvalidArgumentError)
    await expect(client.create('/b', null, { acl: [{ perms: Perms.ALL, id: { scheme: 'nosuch', id: 'x' } }] })).rejects.toThrow(InvalidAclError)
    expect(await client.exists('/b')).toBeNull()
  })
})

describe('the super user', () => {
  it('reads, writes, re-permits and deletes what nobody else may touch', async () => {
    const { client, connectString } = await chrootClient()
    await client.addAuth('digest', 'owner:pw')
    await client.create('/locked', 'x', { acl: [digestAcl('owner', 'pw', Perms.READ | Perms.ADMIN)] })
    await client.create('/locked2', null, { acl: Acls.creatorAll })
    await client.create('/locked2/inner', null, { acl: [digestAcl('owner', 'pw', Perms.READ)] })

    const root = await connect(connectString)
    await root.addAuth('digest', `${SUPER_USER.user}:${SUPER_USER.password}`)
    expect((await root.getData('/locked')).data.toString()).toBe('x')
    await root.setData('/locked', 'y')
    await root.setACL('/locked', Acls.open)
    await root.delete('/locked2/inner')
    await root.delete('/locked2')
    await root.delete('/locked')
    expect(await client.getChildren('/')).toMatchObject({ children: [] })
    expect(await root.whoAmI()).toContainEqual({ authScheme: 'digest', user: SUPER_USER.user })
  })
})

describe('failed authentication', () => {
  it('addAuth with an unknown scheme rejects with AuthFailedError and closes the client', async () => {
    const { client } = await chrootClient()
    const states: ConnectionState[] = []
    client.on('state', (change: { state: ConnectionState }) => states.push(change.state))
    const closed = new Promise<void>((resolve) => client.on('state', (c: { state: string }) => c.state === 'closed' && resolve()))
    const error = await client.addAuth('nosuchscheme', 'whatever').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AuthFailedError)
    expect(error).toMatchObject({ code: 'AUTHFAILED', errno: -115 })
    await closed
    expect(client.state).toBe('closed')
    expect(states).toEqual(['closed'])
    // The client stays closed: later calls fail at once with the same cause.
    await expect(client.getData('/')).rejects.toThrow(AuthFailedError)
    await expect(client.connected()).rejects.toThrow(/closed/)
  })

  it('requests sent after the failed auth fail too, instead of hanging', async () => {
    const { client } = await chrootClient()
    const auth = client.addAuth('nosuchscheme', 'whatever')
    const read = client.getData('/')
    await expect(auth).rejects.toThrow(AuthFailedError)
    // The server answered the auth packet first and then closed the socket.
    await expect(read).rejects.toThrow(AuthFailedError)
  })
})
