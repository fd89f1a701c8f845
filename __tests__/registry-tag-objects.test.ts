import { CatFileBatchReader, parseCatFileBatch } from '../src/registry/git/tag-objects.js'
import type { TagObjectFields } from '../src/registry/git/tag-records.js'
import { parseTagObject } from '../src/registry/git/tag-records.js'

const C = 'c'.repeat(40)
const head = (tagger: string) => `object ${C}\ntype commit\ntag m#prod#1\n${tagger}`

/** Tag objects of every shape the streaming reader tells apart (its usual one, and not). */
const OBJECTS: string[] = [
  `${head('tagger Bench Bot <bench@example.com> 1700000000 +0000\n')}\nPromote\n\n{"modelgate": 1}\n`,
  `${head('tagger Bench Bot <bench@example.com> 1700000001 +0000\n')}\n\n\nafter blank lines\n`,
  `${head('tagger Ann <ann@x> 1700000002 +0000\n')}\n`,
  `${head('tagger Ann <ann@x> 1700000002 +0000\n')}`,
  `${head('tagger Ann <ann@x> 1700000002 +0000')}`,
  `${head('tagger  <nobody@x> 1700000003 +0000\n')}\nempty name\n`,
  `${head('tagger Ann <> 1700000004 +0000\n')}\nempty mail\n`,
  `${head('tagger A> B <a@x> 1700000005 +0000\n')}\n> in the name\n`,
  `${head('tagger A <B <a@x> 1700000006 +0000\n')}\n< in the name\n`,
  `${head('tagger Ann <ann@x>  1700000007 +0000\n')}\ntwo spaces\n`,
  `${head('tagger Ann <ann@x> 99999999999999999999 +0000\n')}\nhuge\n`,
  `${head('tagger Ann <ann@x> 1234567890123456 +0000\n')}\n16 digits\n`,
  `${head('tagger Ann <ann@x> -5 +0000\n')}\nnegative\n`,
  `${head('tagger Ann <ann@x>\n')}\nno date\n`,
  `${head('tagger No Mail 1700000008 +0000\n')}\nno <mail> here > x\n`,
  `${head('')}\nno tagger\n`,
  `${head('tagger Ann <ann@x> 1700000009 +0000\nextra header\n')}\nextra\n`,
  `${head('tagger Ann <ann@x> 1700000010 +0000\ntagger Bob <bob@x> 1\n')}\ntwo taggers\n`,
  `object ${'d'.repeat(64)}\ntype tree\ntag t\ntagger Ann <ann@x> 1700000011 +0000\n\nsha256 tree\n`,
  `object ${C}\ntype commit\ntag m#prod#1\ntagger Ann <ann@x> 1700000012 +0000\r\n\r\nwindows\r\n`,
  `${head('tagger Zoë Ø <zoë@x> 1700000013 +0100\n')}\nÜber ✓\n`,
  `${head('tagger Ann <ann@x> 1700000014 +0000\n')}\nsigned\n-----BEGIN PGP SIGNATURE-----\nsig\n-----END PGP SIGNATURE-----\n`,
  `${head('tagger Ann <ann@x> 1700000015 +0000\n')}\nbefore\0after\n`
]

function entry(id: string, raw: string): Buffer {
  const body = Buffer.from(raw, 'utf8')
  return Buffer.concat([Buffer.from(`${id} tag ${body.length}\n`), body, Buffer.from('\n')])
}

function read(output: Buffer, ids: string[], chunk: number): TagObjectFields[] | undefined {
  const fields: TagObjectFields[] = []
  const reader = new CatFileBatchReader(ids, (_, o) =>
    fields.push(
      o.bytes ? { ...o.fields, message: o.bytes.toString('utf8', o.start, o.end) } : o.fields
    )
  )
  for (let at = 0; at < output.length; at += chunk) reader.push(output.subarray(at, at + chunk))
  return reader.finish() ? fields : undefined
}

describe('reading cat-file --batch output as it arrives', () => {
  const ids = OBJECTS.map((_, i) => i.toString(16).padStart(40, '0'))
  const output = Buffer.concat(OBJECTS.map((raw, i) => entry(ids[i] ?? '', raw)))
  const expected = OBJECTS.map(raw => parseTagObject(raw))

  it.each([1, 7, 64, 500, 65536])(
    'gives what parseTagObject gives for each object, in chunks of %i bytes',
    chunk => {
      expect(expected.every(e => e !== undefined)).toBe(true)
      expect(read(output, ids, chunk)).toEqual(expected)
    }
  )

  it('reads a batch of plain objects alone the same way (the one-check-per-chunk case)', () => {
    const plain = OBJECTS.slice(0, 19)
    const plainOut = Buffer.concat(plain.map((raw, i) => entry(ids[i] ?? '', raw)))
    for (const chunk of [3, 1000, 65536]) {
      expect(read(plainOut, ids.slice(0, 19), chunk)).toEqual(plain.map(r => parseTagObject(r)))
    }
  })

  it('gives nothing for output that is not exactly the objects asked for', () => {
    expect(read(output, ids.slice(0, 3), 64)).toBeUndefined()
    expect(read(output.subarray(0, output.length - 1), ids, 64)).toBeUndefined()
    expect(read(output, [...ids, 'f'.repeat(40)], 64)).toBeUndefined()
    const invalid = entry(ids[0] ?? '', head('tagger A <a@x> 1 +0000\n'))
    expect(
      read(Buffer.concat([invalid.subarray(0, -1), Buffer.from([0xff, 0x0a])]), ids, 64)
    ).toBeUndefined()
    expect(parseCatFileBatch(output.toString('utf8'), ids)).toEqual(expected)
  })
})
