import { describe, expect, it } from 'vitest';
import { attributeText, plainAttributes } from '../../../span-table/attribute-text';
import { HoptraceAttribute } from '../../../src/otlp/hoptrace-attributes';
import { capRow } from '../../../handlers/archive/row-limits';
import { spanRows } from '../../../span-table/rows';
import { attributeMap } from '../../../src/otlp/values';
import type { OtlpExportRequest, OtlpKeyValue } from '../../../src/otlp/types';
import { exportRequest, otlpSpan } from '../../helpers/otlp-payload';

const attributes: OtlpKeyValue[] = [
  { key: 'plain', value: { stringValue: '{"a":1}' } },
  { key: 'count', value: { intValue: '3' } },
  {
    key: 'map',
    value: {
      kvlistValue: {
        values: [
          { key: 'a', value: { intValue: '1' } },
          {
            key: 'b',
            value: { arrayValue: { values: [{ stringValue: 'x' }, { intValue: '2' }, { boolValue: true }] } },
          },
        ],
      },
    },
  },
  { key: 'bytes', value: { bytesValue: 'AAEC/w==' } },
  { key: 'empty', value: {} },
];

describe('AnyValue attributes in the span table', () => {
  it('stores a complex value as its JSON text and marks it, so a string that looks the same stays a string', () => {
    const map = attributeText(attributes);
    expect(map.plain).toBe('{"a":1}');
    expect(map.count).toBe('3');
    expect(map.map).toBe('{"a":1,"b":["x",2,true]}');
    expect(map.bytes).toBe('AAEC/w==');
    expect(map.empty).toBe('null');
    expect(JSON.parse(map[HoptraceAttribute.AnyValueTypes]!)).toEqual({
      map: 'kvlist',
      bytes: 'bytes',
      empty: 'empty',
    });
    expect(attributeText([{ key: 'only', value: { stringValue: 's' } }])).not.toHaveProperty(
      HoptraceAttribute.AnyValueTypes,
    );
  });

  it('reads back as the stream readers see the value', () => {
    const read = plainAttributes(attributeText(attributes));
    expect({ ...read }).toEqual({ ...attributeMap(attributes), count: '3' });
    expect(read.plain).toBe('{"a":1}');
    expect(read).not.toHaveProperty(HoptraceAttribute.AnyValueTypes);
  });

  it('reads a row cut to fit as text, never failing on JSON the cut broke', () => {
    const long = 'x'.repeat(3000);
    const span = otlpSpan({
      attributes: [{ key: 'map', value: { kvlistValue: { values: [{ key: 'long', value: { stringValue: long } }] } } }],
    });
    const [row] = spanRows(exportRequest([span]) as unknown as OtlpExportRequest);
    const { row: cut } = capRow(row!, 2048);
    const read = plainAttributes(cut.span_attributes);
    expect(typeof read.map).toBe('string');
    expect(read.map).toMatch(/^\{"long":"x+$/);
  });
});
