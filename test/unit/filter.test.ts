import { DeclarationError } from '../../shared/errors';
import {
  checkFilter,
  compileFilter,
  filterPattern,
  matchesFilter,
  type ValueFilter,
} from '../../shared/declarations/filter';

/*
 * Where each example comes from (adapted to a Kafka record, whose filter is what sits under `value`):
 * LAMBDA  https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html (filter rule syntax table,
 *         examples, note on numbers)
 * KAFKA   https://docs.aws.amazon.com/lambda/latest/dg/kafka-filtering.html (JSON and plain-string examples,
 *         message format table)
 * EB      https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html (operators)
 * RULER   https://github.com/aws/event-ruler (README: arrays, exists on leaves, numeric, $or; ByteMachine)
 */

type Row = [ref: string, filter: ValueFilter, value: string | Buffer | null, expected: boolean];

const DOC_RECORD = '{"device_ID":"AB1234","session":{"start_time":"yyyy-mm-ddThh:mm:ss","duration":162}}';
const DOC_PLAIN = Buffer.from('SGVsbG8sIHRoaXMgaXMgYSB0ZXN0Lg==', 'base64'); // "Hello, this is a test."
const EC2 = 'arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000';
const EMPLOYEES = JSON.stringify({
  employees: [
    { firstName: 'John', lastName: 'Doe' },
    { firstName: 'Anna', lastName: 'Smith' },
    { firstName: 'Peter', lastName: 'Jones' },
  ],
});
const CLOUDWATCH: ValueFilter = {
  source: ['aws.cloudwatch'],
  $or: [
    { metricName: ['CPUUtilization', 'ReadLatency'] },
    { metricType: ['MetricType'], namespace: ['AWS/EC2', 'AWS/ES'] },
    { scope: ['Service'] },
  ],
};

const rows: Row[] = [
  // LAMBDA: filter rule syntax table
  ['LAMBDA Null', { UserID: [null] }, '{"UserID":null}', true],
  ['LAMBDA Null (a string is not null)', { UserID: [null] }, '{"UserID":"u1"}', false],
  ['LAMBDA Null (absent is not null)', { UserID: [null] }, '{}', false],
  ['LAMBDA Empty', { LastName: [''] }, '{"LastName":""}', true],
  ['LAMBDA Empty (non-empty)', { LastName: [''] }, '{"LastName":"Doe"}', false],
  ['LAMBDA Equals', { Name: ['Alice'] }, '{"Name":"Alice"}', true],
  ['LAMBDA Equals (no case folding)', { Name: ['Alice'] }, '{"Name":"alice"}', false],
  ['LAMBDA And', { Location: ['New York'], Day: ['Monday'] }, '{"Location":"New York","Day":"Monday"}', true],
  [
    'LAMBDA And (one fails)',
    { Location: ['New York'], Day: ['Monday'] },
    '{"Location":"New York","Day":"Friday"}',
    false,
  ],
  [
    'LAMBDA And (field missing)',
    { Location: ['New York'], Day: ['Monday'] },
    '{"Location":"New York"}',
    false,
  ],
  ['LAMBDA Or', { PaymentType: ['Credit', 'Debit'] }, '{"PaymentType":"Debit"}', true],
  ['LAMBDA Or (none)', { PaymentType: ['Credit', 'Debit'] }, '{"PaymentType":"Cash"}', false],
  ['LAMBDA Not', { Weather: [{ 'anything-but': ['Raining'] }] }, '{"Weather":"Sunny"}', true],
  ['LAMBDA Not (excluded)', { Weather: [{ 'anything-but': ['Raining'] }] }, '{"Weather":"Raining"}', false],
  ['LAMBDA Not (absent field)', { Weather: [{ 'anything-but': ['Raining'] }] }, '{}', false],
  ['LAMBDA Numeric (equals)', { Price: [{ numeric: ['=', 100] }] }, '{"Price":100}', true],
  ['LAMBDA Numeric (equals, by value)', { Price: [{ numeric: ['=', 100] }] }, '{"Price":1.0e2}', true],
  ['LAMBDA Numeric (equals, a string)', { Price: [{ numeric: ['=', 100] }] }, '{"Price":"100"}', false],
  ['LAMBDA Numeric (range) upper bound', { Price: [{ numeric: ['>', 10, '<=', 20] }] }, '{"Price":20}', true],
  ['LAMBDA Numeric (range) open lower', { Price: [{ numeric: ['>', 10, '<=', 20] }] }, '{"Price":10}', false],
  ['LAMBDA Numeric (range) inside', { Price: [{ numeric: ['>', 10, '<=', 20] }] }, '{"Price":15.5}', true],
  ['LAMBDA Numeric (range) above', { Price: [{ numeric: ['>', 10, '<=', 20] }] }, '{"Price":20.5}', false],
  ['LAMBDA Exists', { ProductName: [{ exists: true }] }, '{"ProductName":"Widget"}', true],
  ['LAMBDA Exists (absent)', { ProductName: [{ exists: true }] }, '{"Name":"Widget"}', false],
  ['LAMBDA Does not exist', { ProductName: [{ exists: false }] }, '{"Name":"Widget"}', true],
  [
    'LAMBDA Does not exist (present)',
    { ProductName: [{ exists: false }] },
    '{"ProductName":"Widget"}',
    false,
  ],
  ['LAMBDA Begins with', { Region: [{ prefix: 'us-' }] }, '{"Region":"us-east-1"}', true],
  ['LAMBDA Begins with (other)', { Region: [{ prefix: 'us-' }] }, '{"Region":"eu-west-1"}', false],
  ['LAMBDA note: numbers by string form', { Price: [300] }, '{"Price":300}', true],
  ['LAMBDA note: 300.0 is not 300', { Price: [300] }, '{"Price":300.0}', false],
  ['LAMBDA note: 3.0e2 is not 300', { Price: [300] }, '{"Price":3.0e2}', false],
  ['LAMBDA note: the string "300" is not 300', { Price: [300] }, '{"Price":"300"}', false],
  // LAMBDA: filtering examples
  ['LAMBDA example Location', { Location: ['Los Angeles'] }, '{"Location":"Los Angeles","City":"x"}', true],
  [
    'LAMBDA example Temperature',
    { Temperature: [{ numeric: ['>', 50, '<=', 60] }] },
    '{"Temperature":55}',
    true,
  ],
  [
    'LAMBDA example Temperature (50)',
    { Temperature: [{ numeric: ['>', 50, '<=', 60] }] },
    '{"Temperature":50}',
    false,
  ],
  [
    'LAMBDA multi-level',
    { Keys: { Id: { N: ['101'] } } },
    '{"Keys":{"Id":{"N":"101"}},"SizeBytes":26}',
    true,
  ],
  ['LAMBDA multi-level (other id)', { Keys: { Id: { N: ['101'] } } }, '{"Keys":{"Id":{"N":"102"}}}', false],
  ['LAMBDA console example', { a: [1, 2] }, '{"a":2}', true],
  ['LAMBDA console example (3)', { a: [1, 2] }, '{"a":3}', false],
  // KAFKA
  ['KAFKA JSON value, prefix', { device_ID: [{ prefix: 'AB' }] }, DOC_RECORD, true],
  ['KAFKA JSON value, prefix fails', { device_ID: [{ prefix: 'AB' }] }, '{"device_ID":"CD1234"}', false],
  ['KAFKA nested field', { session: { duration: [{ numeric: ['>=', 162] }] } }, DOC_RECORD, true],
  ['KAFKA plain string, anything-but', [{ 'anything-but': ['error'] }], DOC_PLAIN, true],
  ['KAFKA plain string, excluded', [{ 'anything-but': ['error'] }], 'error', false],
  ['KAFKA plain string, prefix', [{ prefix: 'INFO' }], 'INFO user 42 logged in', true],
  ['KAFKA plain string, prefix fails', [{ prefix: 'INFO' }], 'WARN disk low', false],
  ['KAFKA plain string, equals', ['Hello, this is a test.'], DOC_PLAIN, true],
  ['KAFKA plain string, empty value', [''], '', true],
  [
    'KAFKA format table: JSON value, plain-string pattern',
    [{ 'anything-but': ['error'] }],
    DOC_RECORD,
    false,
  ],
  ['KAFKA format table: JSON string value, plain-string pattern', ['error'], '"error"', false],
  ['KAFKA format table: JSON number value, plain-string pattern', [{ exists: true }], '42', false],
  ['KAFKA format table: plain value, JSON pattern', { device_ID: [{ prefix: 'AB' }] }, 'AB1234', false],
  ['KAFKA format table: plain value, JSON exists:false', { a: [{ exists: false }] }, 'not json', false],
  ['KAFKA format table: not UTF-8', [{ exists: true }], Buffer.from([0xc3, 0x28]), false],
  ['KAFKA format table: not UTF-8, JSON pattern', { a: [{ exists: false }] }, Buffer.from([0xff]), false],
  ['KAFKA tombstone, plain pattern', [{ exists: true }], null, false],
  ['KAFKA tombstone, JSON pattern', { a: [{ exists: false }] }, null, false],
  ['KAFKA valid JSON, not an object (field absent)', { a: [{ exists: false }] }, '42', true],
  ['KAFKA valid JSON, not an object (field required)', { a: ['x'] }, '"x"', false],
  ['KAFKA valid JSON null value', { a: [null] }, 'null', false],
  // EB: comparison operators
  ['EB Equals (ignore case)', { Name: [{ 'equals-ignore-case': 'alice' }] }, '{"Name":"ALICE"}', true],
  [
    'EB Equals (ignore case), longer',
    { Name: [{ 'equals-ignore-case': 'alice' }] },
    '{"Name":"Alicia"}',
    false,
  ],
  ['EB Ends with', { FileName: [{ suffix: '.png' }] }, '{"FileName":"photo.png"}', true],
  ['EB Ends with (other)', { FileName: [{ suffix: '.png' }] }, '{"FileName":"photo.jpg"}', false],
  [
    'EB Begins with (ignore case)',
    { service: [{ prefix: { 'equals-ignore-case': 'eventb' } }] },
    '{"service":"EventBridge"}',
    true,
  ],
  [
    'EB Ends with (ignore case)',
    { service: [{ suffix: { 'equals-ignore-case': 'tBridge' } }] },
    '{"service":"EVENTBRIDGE"}',
    true,
  ],
  [
    'EB Ends with (ignore case), other',
    { service: [{ suffix: { 'equals-ignore-case': 'tBridge' } }] },
    '{"service":"eventbus"}',
    false,
  ],
  [
    'EB Anything-but single value',
    { state: [{ 'anything-but': 'initializing' }] },
    '{"state":"running"}',
    true,
  ],
  [
    'EB Anything-but single value (excluded)',
    { state: [{ 'anything-but': 'initializing' }] },
    '{"state":"initializing"}',
    false,
  ],
  [
    'EB Or (multiple fields): first',
    { $or: [{ Location: ['New York'] }, { Day: ['Monday'] }] },
    '{"Location":"New York"}',
    true,
  ],
  [
    'EB Or (multiple fields): second',
    { $or: [{ Location: ['New York'] }, { Day: ['Monday'] }] },
    '{"Day":"Monday"}',
    true,
  ],
  [
    'EB Or (multiple fields): neither',
    { $or: [{ Location: ['New York'] }, { Day: ['Monday'] }] },
    '{"Day":"Friday"}',
    false,
  ],
  [
    'EB prefix matching example',
    { time: [{ prefix: '2017-10-02' }] },
    '{"time":"2017-10-02T18:43:48Z"}',
    true,
  ],
  ['EB prefix only on strings', { time: [{ prefix: '20' }] }, '{"time":2017}', false],
  // RULER
  [
    'RULER array in value: any element',
    { resources: [EC2] },
    JSON.stringify({ resources: [EC2, 'other'] }),
    true,
  ],
  ['RULER array in value: none', { resources: [EC2] }, '{"resources":["a","b"]}', false],
  ['RULER numeric on array elements', { scores: [{ numeric: ['>', 90] }] }, '{"scores":[10,95]}', true],
  ['RULER objects in arrays', { employees: { firstName: ['Anna'] } }, EMPLOYEES, true],
  ['RULER array consistency', { employees: { firstName: ['Anna'], lastName: ['Jones'] } }, EMPLOYEES, false],
  [
    'RULER array consistency (same element)',
    { employees: { firstName: ['Anna'], lastName: ['Smith'] } },
    EMPLOYEES,
    true,
  ],
  ['RULER value is an array', { a: ['x'] }, '[{"a":"y"},{"a":"x"}]', true],
  [
    'RULER exists only on leaves (false)',
    { detail: { 'c-count': [{ exists: false }] } },
    '{"detail":{"c-count":{"c1":100}}}',
    true,
  ],
  [
    'RULER exists only on leaves (true)',
    { detail: { 'c-count': [{ exists: true }] } },
    '{"detail":{"c-count":{"c1":100}}}',
    false,
  ],
  ['RULER exists on an empty array', { tags: [{ exists: true }] }, '{"tags":[]}', false],
  ['RULER exists on null', { tags: [{ exists: true }] }, '{"tags":null}', true],
  ['RULER numeric example c-count', { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] }, '{"c-count":5}', true],
  ['RULER numeric example d-count', { 'd-count': [{ numeric: ['<', 10] }] }, '{"d-count":3}', true],
  ['RULER numeric example x-limit', { 'x-limit': [{ numeric: ['=', 301.8] }] }, '{"x-limit":3.018e2}', true],
  [
    'RULER anything-but numbers',
    { 'x-limit': [{ 'anything-but': [100, 200, 300] }] },
    '{"x-limit":301.8}',
    true,
  ],
  [
    'RULER anything-but numbers (excluded)',
    { 'x-limit': [{ 'anything-but': [100, 200, 300] }] },
    '{"x-limit":300}',
    false,
  ],
  [
    'RULER anything-but numbers compare as numbers',
    { 'x-limit': [{ 'anything-but': [300] }] },
    '{"x-limit":300.0}',
    false,
  ],
  ['RULER anything-but: other types pass', { state: [{ 'anything-but': 'x' }] }, '{"state":null}', true],
  [
    'RULER anything-but: any element passes',
    { state: [{ 'anything-but': ['a'] }] },
    '{"state":["a","b"]}',
    true,
  ],
  [
    'RULER $or with an and inside: metricName',
    CLOUDWATCH,
    '{"source":"aws.cloudwatch","metricName":"ReadLatency"}',
    true,
  ],
  [
    'RULER $or with an and inside: both fields',
    CLOUDWATCH,
    '{"source":"aws.cloudwatch","metricType":"MetricType","namespace":"AWS/ES"}',
    true,
  ],
  [
    'RULER $or with an and inside: half',
    CLOUDWATCH,
    '{"source":"aws.cloudwatch","metricType":"MetricType"}',
    false,
  ],
  ['RULER $or and the outer field', CLOUDWATCH, '{"source":"aws.ec2","scope":"Service"}', false],
  ['RULER dotted event key reads as nesting', { a: { b: ['x'] } }, '{"a.b":"x"}', true],
  // Types kept apart: booleans, strings, numbers
  ['LAMBDA Equals boolean', { flag: [true] }, '{"flag":true}', true],
  ['LAMBDA Equals boolean (a string)', { flag: [true] }, '{"flag":"true"}', false],
  ['LAMBDA Equals string (a number)', { id: ['7'] }, '{"id":7}', false],
];

describe('Lambda event filtering on Kafka values', () => {
  it.each(rows)('%s', (_ref, filter, value, expected) => {
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    expect(compileFilter(filter)(bytes)).toBe(expected);
    expect(matchesFilter(bytes, filter)).toBe(expected);
  });

  it('decides "valid JSON" exactly as JSON.parse does', () => {
    const anyPlainString = compileFilter([{ exists: true }]);
    const texts = [
      ...[
        '{}',
        '[]',
        '""',
        'true',
        'null',
        '-0',
        '1E+2',
        '0.5e-3',
        ' {"a":1} ',
        '[[[]]]',
        '"\u2028"',
        '"\\ud800"',
      ],
      ...['{"a":{"b":[1,{"c":null}]}}', '{"a":1,"a":2}', '"\\u00e9\\n\\/"'],
      ...['', '  ', '01', '1.', '.5', '-', '1e', '+1', '"\u0001"', '"\\x"', '"\\u12"', 'tru', 'nul', '[1,]'],
      ...['{"a":1,}', '{a:1}', "'a'", 'NaN', 'Infinity', '\ufeff{}', '1 2', '{"a" 1}', '["a"', 'INFO x'],
    ];
    for (const text of texts) {
      let json = true;
      try {
        JSON.parse(text);
      } catch {
        json = false;
      }
      expect([text, anyPlainString(Buffer.from(text, 'utf8'))]).toEqual([text, !json]);
    }
  });

  it('keeps the last of duplicate keys, as JSON.parse does', () => {
    expect(compileFilter({ a: [2] })(Buffer.from('{"a":1,"a":2}'))).toBe(true);
    expect(compileFilter({ a: [1] })(Buffer.from('{"a":1,"a":2}'))).toBe(false);
  });
});

describe('the pattern pushed down to the event source mapping', () => {
  it('is {"value": filter} as JSON, as in the Kafka docs', () => {
    expect(filterPattern({ device_ID: [{ prefix: 'AB' }] })).toBe(
      '{"value":{"device_ID":[{"prefix":"AB"}]}}',
    );
    expect(filterPattern([{ 'anything-but': ['error'] }])).toBe('{"value":[{"anything-but":["error"]}]}');
    expect(JSON.parse(filterPattern(CLOUDWATCH))).toEqual({ value: CLOUDWATCH });
  });

  it('is refused past the 4096 characters Lambda accepts', () => {
    expect(() => filterPattern({ a: ['x'.repeat(5000)] }, 'big')).toThrow(
      'handler "big": filter: the pattern is 5020 characters; Lambda accepts at most 4096',
    );
  });
});

describe('filters Lambda would not apply as declared are refused at load time', () => {
  const rejected: [ValueFilter | unknown, string][] = [
    [{ reason: [{ foo: 1 }] }, 'filter field reason: unknown rule "foo"'],
    [{ reason: [{ equals: 'x' }] }, 'filter field reason: unknown rule "equals"'],
    [
      { file: [{ wildcard: '*.png' }] },
      'filter field file: "wildcard" is documented for EventBridge event buses only',
    ],
    [
      { r: [{ 'anything-but': { prefix: 'us-' } }] },
      'filter field r: "anything-but" with "prefix" is documented for',
    ],
    [
      { r: [{ 'anything-but': { suffix: '.png' } }] },
      'filter field r: "anything-but" with "suffix" is documented for',
    ],
    [
      { r: [{ 'anything-but': { 'equals-ignore-case': 'x' } }] },
      'filter field r: "anything-but" with "equals-ignore-case" is',
    ],
    [
      { r: [{ 'anything-but': { wildcard: '*/lib/*' } }] },
      'filter field r: "anything-but" with "wildcard" is documented',
    ],
    [{ ip: [{ cidr: '10.0.0.0/24' }] }, 'filter field ip: "cidr" (IP address matching) is not among'],
    [
      { r: [{ prefix: 'a', suffix: 'b' }] },
      'filter field r: a rule has exactly one key, got "prefix", "suffix"',
    ],
    [{ r: [{}] }, 'filter field r: a rule has exactly one key, got none'],
    [
      { r: [{ prefix: 1 }] },
      'filter field r: "prefix" takes a string or { "equals-ignore-case": string }, got 1',
    ],
    [{ r: [{ prefix: { wildcard: 'x' } }] }, 'filter field r: unknown "prefix" form "wildcard"'],
    [{ r: [{ 'equals-ignore-case': ['a'] }] }, 'filter field r: "equals-ignore-case" takes a string'],
    [{ n: [{ numeric: ['<', 10, '>', 0] }] }, 'filter field n: "numeric" takes ["=", n]'],
    [{ n: [{ numeric: ['>', 5, '<', 5] }] }, 'filter field n: "numeric" range [5, 5] is empty'],
    [{ n: [{ numeric: ['!=', 1] }] }, 'filter field n: "numeric" takes'],
    [{ n: [{ numeric: ['>', 1, '<'] }] }, 'filter field n: "numeric" takes'],
    [{ n: [{ numeric: ['>', '1'] }] }, 'filter field n: "numeric" takes'],
    [{ n: [{ numeric: 5 }] }, 'filter field n: "numeric" takes'],
    [{ n: [{ numeric: ['>', 6e9] }] }, "filter field n: 6000000000 is outside numeric matching's range"],
    [{ n: [{ numeric: ['>', 0.0000001] }] }, 'filter field n: 1e-7 has more than 6 decimal places'],
    [{ n: [{ numeric: ['=', NaN] }] }, 'filter field n: NaN is not a JSON number'],
    [{ n: [Infinity] }, 'filter field n: Infinity is not a JSON number'],
    [{ s: [{ 'anything-but': [] }] }, 'filter field s: "anything-but" needs at least one value'],
    [
      { s: [{ 'anything-but': ['a', 1] }] },
      'filter field s: "anything-but" takes strings only or numbers only',
    ],
    [
      { s: [{ 'anything-but': [true] }] },
      'filter field s: "anything-but" takes strings only or numbers only',
    ],
    [{ s: [{ 'anything-but': null }] }, 'filter field s: "anything-but" takes strings only or numbers only'],
    [{ s: [{ exists: 'yes' }] }, 'filter field s: "exists" takes true or false, got "yes"'],
    [{ s: [] }, 'filter field s: a list of rules cannot be empty'],
    [{ s: [['a']] }, 'filter field s: a rule cannot be a nested list'],
    [{ s: 'a' }, 'filter field s: must be a list of rules or an object of nested fields, got "a"'],
    [{ s: { t: {} } }, 'filter field s.t: an object of fields cannot be empty'],
    [{}, 'filter: an object of fields cannot be empty'],
    [{ 'a.b': ['x'] }, 'filter field a.b: field names cannot contain "."'],
    [{ '': ['x'] }, 'filter field : field names cannot be empty'],
    [{ $or: [{ a: ['x'] }] }, 'filter field $or: $or takes a list of at least two objects of fields'],
    [{ $or: { a: ['x'] } }, 'filter field $or: $or takes a list of at least two objects of fields'],
    [{ $or: [{ a: ['x'] }, ['y']] }, 'filter field $or: $or takes a list of at least two objects of fields'],
    [{ $or: [{ prefix: ['x'] }, { b: ['y'] }] }, 'filter field $or[0].prefix: "prefix" is a rule name'],
    [{ a: ['x'], $or: [{ a: ['y'] }, { b: ['z'] }] }, 'filter field $or[0].a: is constrained twice'],
    [{ m: { $or: [{ a: [{ foo: 1 }] }, { b: ['z'] }] } }, 'filter field m.$or[0].a: unknown rule "foo"'],
    [[], 'filter value: a list of rules cannot be empty'],
    [[{ numeric: ['>', 1] }], 'filter value: "numeric" can never match a plain-string value'],
    [[1], 'filter value: the number 1 can never match a plain-string value'],
    [[null], 'filter value: null can never match a plain-string value'],
    [[false], 'filter value: false can never match a plain-string value'],
    [[{ exists: false }], 'filter value: { exists: false } can never match a plain-string value'],
    [
      [{ 'anything-but': [1] }],
      'filter value: "anything-but" numbers can never exclude a plain-string value',
    ],
    [[{ wildcard: 'a*' }], 'filter value: "wildcard" is documented for EventBridge event buses only'],
    ['INFO', 'filter: must be an object of fields (JSON values) or a list of rules (plain-string values)'],
    [null, 'filter: must be an object of fields'],
    [new Date(0), 'filter: must be an object of fields'],
    [{ d: [new Date(0)] }, 'filter field d: a class instance is not a rule'],
  ];

  it.each(rejected)('%j', (filter, message) => {
    let thrown: unknown;
    try {
      checkFilter('my-handler', filter);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DeclarationError);
    expect((thrown as Error).message).toContain(`handler "my-handler": ${message}`);
  });

  it('names the handler and the field, as the declaration is loaded', () => {
    expect(() => checkFilter('x', { reason: [{ foo: 'bar' }] })).toThrow(
      new DeclarationError(
        'handler "x"',
        'filter field reason: unknown rule "foo" (Lambda supports ' +
          '"prefix", "suffix", "equals-ignore-case", "anything-but", "numeric", "exists")',
      ),
    );
  });

  it('accepts every supported form', () => {
    const ok: ValueFilter[] = [
      { a: ['s', 1, true, null], b: [{ prefix: 'p' }, { suffix: 's' }, { 'equals-ignore-case': 'e' }] },
      { a: [{ prefix: { 'equals-ignore-case': 'p' } }, { suffix: { 'equals-ignore-case': 's' } }] },
      {
        a: [
          { 'anything-but': 'x' },
          { 'anything-but': 1 },
          { 'anything-but': ['x'] },
          { 'anything-but': [1, 2] },
        ],
      },
      { a: [{ numeric: ['=', 1] }, { numeric: ['>=', -5e9] }, { numeric: ['>', 0.5, '<', 5e9] }] },
      { a: [{ exists: true }], b: [{ exists: false }], c: { d: { e: [''] } } },
      { $or: [{ a: ['x'] }, { b: { $or: [{ c: ['y'] }, { d: ['z'] }] } }] },
      [
        's',
        { prefix: 'p' },
        { suffix: { 'equals-ignore-case': 's' } },
        { 'anything-but': ['e'] },
        { exists: true },
      ],
    ];
    for (const filter of ok) expect(() => checkFilter('ok', filter)).not.toThrow();
  });

  it('refuses misspelt or impossible rules at compile time too', () => {
    const typos: unknown[] = [
      // @ts-expect-error misspelt rule name
      { reason: [{ prefx: 'a' }] } satisfies ValueFilter,
      // @ts-expect-error misspelt rule name with a list argument
      { reason: [{ 'anything-bu': ['admin'] }] } satisfies ValueFilter,
      // @ts-expect-error two rules in one object
      { reason: [{ prefix: 'a', suffix: 'b' }] } satisfies ValueFilter,
      // @ts-expect-error upper bound first
      { n: [{ numeric: ['<', 10, '>', 0] }] } satisfies ValueFilter,
      // @ts-expect-error wildcard is not a Lambda operator
      { f: [{ wildcard: '*.png' }] } satisfies ValueFilter,
      // @ts-expect-error anything-but prefix is not a Lambda operator
      { f: [{ 'anything-but': { prefix: 'us-' } }] } satisfies ValueFilter,
      // @ts-expect-error numeric never matches a plain-string value
      [{ numeric: ['>', 1] }] satisfies ValueFilter,
      // @ts-expect-error mixed anything-but list
      { s: [{ 'anything-but': ['a', 1] }] } satisfies ValueFilter,
    ];
    for (const filter of typos) expect(() => checkFilter('typo', filter)).toThrow(DeclarationError);
  });
});
