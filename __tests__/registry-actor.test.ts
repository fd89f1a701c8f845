// One rule for an actor's name in every registry (issue 13, item 1): git's identity-line
// delimiters and CR/NUL become spaces; a write needs a name left after that, and a usable e-mail.
import { InvalidInputError } from '../src/errors.js'
import { IDENTITY_LINE_DELIMITERS, actorName, assertActor } from '../src/registry/actor.js'

describe('the actor rule both registries share', () => {
  it('is exactly <, >, LF, CR and NUL', () => {
    const all = Array.from({ length: 128 }, (_, code) => String.fromCharCode(code)).join('')
    expect(all.match(IDENTITY_LINE_DELIMITERS)).toEqual(['\0', '\n', '\r', '<', '>'])
  })

  it('makes each a space and trims, keeping the rest of the name as typed', () => {
    expect(actorName({ actor: 'Mona <mona@example.com>' })).toBe('Mona  mona@example.com')
    expect(actorName({ actor: ' bob\r\nsmith\0 ' })).toBe('bob  smith')
    expect(actorName({ actor: 'Zoë "Z" O\'Neil, [bot]' })).toBe('Zoë "Z" O\'Neil, [bot]')
  })

  it('refuses a write with no name left, or an e-mail an identity line cannot hold', () => {
    expect(() => assertActor({ actor: ' <> ' })).toThrow(InvalidInputError)
    expect(() => assertActor({ actor: '\n' })).toThrow('Every registry write needs an actor')
    expect(() => assertActor({ actor: 'mona', actorEmail: '' })).toThrow('Invalid actor e-mail')
    expect(() => assertActor({ actor: 'mona', actorEmail: 'a b@c' })).toThrow(InvalidInputError)
    expect(() => assertActor({ actor: 'mona', actorEmail: '<m@x>' })).toThrow(InvalidInputError)
    expect(() => assertActor({ actor: 'mona', actorEmail: 'mona@example.com' })).not.toThrow()
  })
})
