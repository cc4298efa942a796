/** A latency objective: this fraction of requests take at most `thresholdMs`. */
export interface LatencyObjective {
  thresholdMs: number;
  objective: number;
}

/** One service level objective, as set in serverless.yml's `slos` parameter. */
export interface Slo {
  /** Names its alarms and widgets; also the CloudFormation logical ids' stem, so unique. */
  name: string;
  service: string;
  /** One operation's requests; undefined: all of the service's requests. */
  operation: string | undefined;
  /** The fraction of requests that must succeed, e.g. 0.999. */
  availability: number | undefined;
  latency: LatencyObjective | undefined;
}

export class SloDefinitionError extends Error {
  constructor(message: string) {
    super(`slos parameter: ${message} (see docs/operations/slos-and-alarms.md, "Setting an SLO")`);
    this.name = 'SloDefinitionError';
  }
}

const FIELDS = new Set(['name', 'service', 'operation', 'availability', 'latency']);

function objective(value: unknown, where: string): number {
  // Strictly below 1: a 100% objective has no error budget to burn.
  if (typeof value !== 'number' || !(value > 0 && value < 1)) {
    throw new SloDefinitionError(
      `${where} is ${JSON.stringify(value)}; it must be a fraction between 0 and 1, exclusive (0.999 for 99.9%)`,
    );
  }
  return value;
}

function text(value: unknown, where: string): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw new SloDefinitionError(`${where} must be a non-empty string`);
  return value;
}

function latency(value: unknown, where: string): LatencyObjective {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new SloDefinitionError(`${where} must be { thresholdMs, objective }`);
  const { thresholdMs, objective: target, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0)
    throw new SloDefinitionError(
      `${where} has unknown field(s) ${unknown.join(', ')}; it takes thresholdMs and objective`,
    );
  if (typeof thresholdMs !== 'number' || !(thresholdMs > 0) || !Number.isFinite(thresholdMs)) {
    throw new SloDefinitionError(
      `${where}.thresholdMs is ${JSON.stringify(thresholdMs)}; it must be a positive number of milliseconds`,
    );
  }
  return { thresholdMs, objective: objective(target, `${where}.objective`) };
}

/** The stem of the logical ids of an SLO's resources: its name's letters and digits, in PascalCase. */
export function sloId(slo: Pick<Slo, 'name'>): string {
  return slo.name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join('');
}

/**
 * The SLOs of the `slos` parameter: a list (YAML in serverless.yml), or the same as a JSON
 * string (`--param='slos=[...]'`). Every mistake is refused with its place named: an SLO
 * quietly dropped would be an alarm that never fires.
 */
export function parseSlos(input: unknown): Slo[] {
  let list = input;
  if (typeof input === 'string') {
    try {
      list = JSON.parse(input);
    } catch (error) {
      throw new SloDefinitionError(`not a list, nor JSON: ${(error as Error).message}`);
    }
  }
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new SloDefinitionError(`must be a list of objectives, not ${JSON.stringify(list)}`);
  const slos = list.map((entry: unknown, i): Slo => {
    const where = `slos[${i}]`;
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry))
      throw new SloDefinitionError(`${where} must be an object`);
    const fields = entry as Record<string, unknown>;
    const unknown = Object.keys(fields).filter((key) => !FIELDS.has(key));
    if (unknown.length > 0)
      throw new SloDefinitionError(
        `${where} has unknown field(s) ${unknown.join(', ')}; it takes ${[...FIELDS].join(', ')}`,
      );
    const service = text(fields.service, `${where}.service`);
    const operation = fields.operation === undefined ? undefined : text(fields.operation, `${where}.operation`);
    const availability =
      fields.availability === undefined ? undefined : objective(fields.availability, `${where}.availability`);
    const latencyObjective = fields.latency === undefined ? undefined : latency(fields.latency, `${where}.latency`);
    if (availability === undefined && latencyObjective === undefined)
      throw new SloDefinitionError(`${where} sets neither availability nor latency`);
    const name = fields.name === undefined ? `${service} ${operation ?? 'all'}` : text(fields.name, `${where}.name`);
    if (sloId({ name }) === '')
      throw new SloDefinitionError(
        `${where}.name "${name}" has no ASCII letter or digit to name its alarms by (CloudFormation ids take A-Z, a-z, 0-9)`,
      );
    return { name, service, operation, availability, latency: latencyObjective };
  });
  const seen = new Map<string, string>();
  for (const slo of slos) {
    const id = sloId(slo);
    const other = seen.get(id);
    if (other !== undefined)
      throw new SloDefinitionError(
        `"${other}" and "${slo.name}" would name the same alarms (${id}); give one a different name`,
      );
    seen.set(id, slo.name);
  }
  return slos;
}
