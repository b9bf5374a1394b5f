/**
 * Zod schemas for the shape of service input. Every schema speaks human: its
 * messages are tails like `must be an integer 1..65535, got "80"`, and
 * `zod-issues.ts` puts `service "web": destination "a": port` in front.
 */
import { z } from 'zod';
import { parseAddress } from '../address.js';
import { SCHEDULERS } from '../model.js';
import { showValue } from './issue.js';
import {
  isDnsName,
  isHeaderToken,
  isValidName,
  isVisibleAscii,
  parseMatchPattern,
} from './names.js';

/** Upper bound of every health duration: one day in ms. */
export const MAX_DURATION_MS = 86_400_000;
/** Upper bound of `persistence`: 31 days in seconds. */
export const MAX_PERSISTENCE_S = 2_678_400;
/** Upper bound of probe `send`/`expect` texts and header matchers. */
export const MAX_PROBE_TEXT = 1024;

type Issue = { readonly input?: unknown };

/** Error function: `is missing`, or `must be <expected>, got <value>`. */
const mustBe =
  (expected: string) =>
  (issue: Issue): string =>
    issue.input === undefined ? 'is missing' : `must be ${expected}, got ${showValue(issue.input)}`;

const int = (min: number, max: number) =>
  z
    .int({ error: mustBe(`an integer ${min}..${max}`) })
    .min(min)
    .max(max);

const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: mustBe(`one of ${values.join(', ')}`) });

const text = (max: number) =>
  z.string({ error: mustBe(`text of at most ${max} characters`) }).max(max);

const bool = z.boolean({ error: mustBe('true or false') });

/** Adds one custom check whose message is computed from the value (undefined = fine). */
const checked = <T extends z.ZodType>(
  schema: T,
  problem: (value: z.output<T>) => string | undefined,
) =>
  schema.superRefine((value, ctx) => {
    const message = problem(value);
    if (message !== undefined) ctx.addIssue({ code: 'custom', message, input: value });
  });

/** Why an address text is refused, or undefined when `parseAddress` accepts it. */
export function addressProblem(address: string): string | undefined {
  if (parseAddress(address)) return undefined;
  const shown = showValue(address);
  if (address.includes('%')) return `${shown} has a zone index; zones are not allowed`;
  if (address.startsWith('[')) return `${shown} must be written without brackets`;
  if (/^[0-9.]+$/.test(address) && address.split('.').some((part) => /^0[0-9]/.test(part))) {
    return `${shown} has a leading zero (ambiguous: octal to some tools, decimal to others)`;
  }
  return `${shown} is not an IPv4 or IPv6 address`;
}

/** Service or destination name. */
export const nameSchema = checked(z.string({ error: mustBe('a name') }), (name) =>
  isValidName(name)
    ? undefined
    : `${showValue(name)} is invalid: use a letter, then up to 31 letters, digits, "_" or "-"`,
);

/** IPv4 or IPv6 address text. */
export const addressSchema = checked(z.string({ error: mustBe('an IP address') }), addressProblem);

/** Port 1..65535. */
export const portSchema = int(1, 65535);
/** Weight 0..65535. */
export const weightSchema = int(0, 65535);
/** Transport protocol. */
export const protocolSchema = oneOf(['tcp', 'udp']);

const duration = int(1, MAX_DURATION_MS);

/** Health settings: every field optional. */
export const healthSchema = z.strictObject(
  {
    interval: duration.optional(),
    fastInterval: duration.optional(),
    downInterval: duration.optional(),
    timeout: duration.optional(),
    rise: int(1, 100).optional(),
    fall: int(1, 100).optional(),
    jitter: int(0, MAX_DURATION_MS).optional(),
    initial: oneOf(['up', 'down', 'unknown']).optional(),
  },
  { error: mustBe('an object') },
);

const dnsName = checked(z.string({ error: mustBe('a DNS name') }), (name) =>
  isDnsName(name) ? undefined : `${showValue(name)} is not a valid DNS name`,
);

/** Exact text or `/regex/flags`. */
const pattern = checked(text(MAX_PROBE_TEXT), (value) => {
  const parsed = parseMatchPattern(value);
  return parsed.kind === 'error' ? `${showValue(value)} ${parsed.message}` : undefined;
});

/** Only `/regex/flags`. */
const regexOnly = checked(text(MAX_PROBE_TEXT), (value) => {
  const parsed = parseMatchPattern(value);
  if (parsed.kind === 'exact') return `must be written as /source/flags, got ${showValue(value)}`;
  return parsed.kind === 'error' ? `${showValue(value)} ${parsed.message}` : undefined;
});

const status = int(100, 599);

const tcpProbeSchema = z.strictObject({
  kind: z.literal('tcp'),
  send: text(MAX_PROBE_TEXT).optional(),
  expect: text(MAX_PROBE_TEXT).optional(),
});

const dnsProbeSchema = z.strictObject({
  kind: z.literal('dns'),
  name: dnsName,
  type: oneOf(['TXT', 'A', 'AAAA', 'SOA']).optional(),
  transport: protocolSchema.optional(),
  expect: pattern.optional(),
});

const headerSchema = z.strictObject(
  {
    name: checked(z.string({ error: mustBe('a header name') }), (name) =>
      isHeaderToken(name) ? undefined : `${showValue(name)} is not a valid HTTP header name`,
    ),
    equals: text(MAX_PROBE_TEXT).optional(),
    prefix: text(MAX_PROBE_TEXT).optional(),
    contains: text(MAX_PROBE_TEXT).optional(),
    matches: regexOnly.optional(),
  },
  { error: mustBe('an object') },
);

const httpProbeSchema = z.strictObject({
  kind: z.literal('http'),
  method: oneOf(['GET', 'HEAD']).optional(),
  path: checked(text(2048), (path) =>
    path.startsWith('/') && isVisibleAscii(path)
      ? undefined
      : `${showValue(path)} must start with "/" and contain no spaces or control characters`,
  ).optional(),
  host: checked(text(255), (host) =>
    isVisibleAscii(host)
      ? undefined
      : `${showValue(host)} must contain no spaces or control characters`,
  ).optional(),
  tls: bool.optional(),
  servername: dnsName.optional(),
  ca: checked(text(1_048_576), (ca) =>
    ca.includes('-----BEGIN CERTIFICATE-----') ? undefined : 'must be PEM text with a certificate',
  ).optional(),
  insecure: bool.optional(),
  status: checked(
    z.tuple([status, status], { error: mustBe('[low, high] status codes') }),
    ([low, high]) =>
      low <= high ? undefined : `must be ordered [low, high], got [${low}, ${high}]`,
  ).optional(),
  header: headerSchema.optional(),
});

const agentProbeSchema = z.strictObject({
  kind: z.literal('agent'),
  port: portSchema.optional(),
  send: text(MAX_PROBE_TEXT).optional(),
});

/** Most arguments of an `exec` probe, and the longest one. */
export const MAX_EXEC_ARGS = 64;
const MAX_EXEC_ARG = 4096;

const execArg = checked(text(MAX_EXEC_ARG), (arg) =>
  arg.includes('\u0000') ? `${showValue(arg)} contains a NUL character` : undefined,
);

const execProbeSchema = z.strictObject({
  kind: z.literal('exec'),
  argv: checked(
    z.array(execArg, { error: mustBe('a list of texts') }).max(MAX_EXEC_ARGS),
    (argv) =>
      argv.length === 0
        ? 'must name a program'
        : argv[0]!.startsWith('/')
          ? undefined
          : `program ${showValue(argv[0])} must be an absolute path (no shell, no PATH search)`,
  ),
  dynamic: bool.optional(),
});

/** Probe kinds, for messages and docs. */
export const PROBE_KINDS = ['tcp', 'dns', 'http', 'none', 'agent', 'exec'] as const;

const kindOf = (input: unknown): unknown =>
  typeof input === 'object' && input !== null ? (input as { kind?: unknown }).kind : undefined;

/** Probe spec, chosen by `kind`. */
export const probeSchema = z.discriminatedUnion(
  'kind',
  [
    tcpProbeSchema,
    dnsProbeSchema,
    httpProbeSchema,
    z.strictObject({ kind: z.literal('none') }),
    agentProbeSchema,
    execProbeSchema,
  ],
  {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? mustBe(`one of ${PROBE_KINDS.join(', ')}`)({ input: kindOf(issue.input) })
        : mustBe('an object with a kind')(issue),
  },
);

/** A destination as written. */
export const destinationSchema = z.strictObject(
  {
    name: nameSchema,
    address: addressSchema,
    port: portSchema.optional(),
    weight: weightSchema.optional(),
    connectAddress: addressSchema.optional(),
    connectPort: portSchema.optional(),
  },
  { error: mustBe('an object') },
);

/** Upper bound of `quorum` (a total weight). */
export const MAX_QUORUM = 16_777_215;

/** The sorry destination as written: like a destination, name optional (default `sorry`). */
export const sorrySchema = z.strictObject(
  {
    name: nameSchema.optional(),
    address: addressSchema,
    port: portSchema.optional(),
  },
  { error: mustBe('an object') },
);

const schedulers = SCHEDULERS as unknown as readonly [string, ...string[]];

/** Everything `defaults` may hold. */
export const defaultsShape = {
  protocol: protocolSchema.optional(),
  scheduler: oneOf(schedulers).optional(),
  whenEmpty: oneOf(['reject', 'drop']).optional(),
  downAction: oneOf(['remove', 'drain']).optional(),
  persistence: int(0, MAX_PERSISTENCE_S).optional(),
  slowStart: int(0, MAX_DURATION_MS).optional(),
  forward: oneOf(['nat', 'route', 'tunnel']).optional(),
  probe: probeSchema.optional(),
  health: healthSchema.optional(),
};

/** Service defaults as written. */
export const defaultsSchema = z.strictObject(defaultsShape, { error: mustBe('an object') });

/** A service as written. */
export const serviceSchema = z.strictObject(
  {
    name: nameSchema,
    vip: addressSchema,
    port: portSchema,
    ...defaultsShape,
    destinations: z.array(destinationSchema, { error: mustBe('a list') }).optional(),
    quorum: int(1, MAX_QUORUM).optional(),
    sorry: sorrySchema.optional(),
  },
  { error: mustBe('an object') },
);
