/**
 * Configuration comes only from environment variables. A service declares a schema of named
 * variables with parsers and working defaults for the local start; loadConfig validates all of them
 * at start-up and reports every bad or missing variable in one line each, naming the variable.
 */

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'CONFIG_INVALID';
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(problems.join('; '));
    this.problems = problems;
  }
}

export interface Variable<T> {
  readonly description: string;
  /** Returns the parsed value or a string describing why the text is not acceptable. */
  readonly parse: (text: string) => { value: T } | { problem: string };
  readonly defaultValue: T | undefined;
  /** Secrets are never echoed back in error messages or the config dump. */
  readonly secret: boolean;
}

interface Options<T> {
  description: string;
  default?: T;
  secret?: boolean;
}

function variable<T>(options: Options<T>, parse: Variable<T>['parse']): Variable<T> {
  return {
    description: options.description,
    parse,
    defaultValue: options.default,
    secret: options.secret ?? false,
  };
}

export const env = {
  string(options: Options<string> & { pattern?: RegExp }): Variable<string> {
    return variable(options, (text) => {
      if (text.length === 0) return { problem: 'must not be empty' };
      if (options.pattern !== undefined && !options.pattern.test(text)) {
        return { problem: `must match ${options.pattern.source}` };
      }
      return { value: text };
    });
  },
  integer(options: Options<number> & { min?: number; max?: number }): Variable<number> {
    const min = options.min ?? Number.MIN_SAFE_INTEGER;
    const max = options.max ?? Number.MAX_SAFE_INTEGER;
    return variable(options, (text) => {
      if (!/^-?[0-9]+$/.test(text)) return { problem: 'must be an integer' };
      const value = Number(text);
      if (!Number.isSafeInteger(value) || value < min || value > max) {
        return { problem: `must be an integer from ${min} to ${max}` };
      }
      return { value };
    });
  },
  port(options: Options<number>): Variable<number> {
    return env.integer({ ...options, min: 1, max: 65_535 });
  },
  boolean(options: Options<boolean>): Variable<boolean> {
    return variable(options, (text) => {
      if (text === 'true' || text === '1') return { value: true };
      if (text === 'false' || text === '0') return { value: false };
      return { problem: 'must be true or false' };
    });
  },
  oneOf<const T extends string>(values: readonly T[], options: Options<T>): Variable<T> {
    return variable(options, (text) => {
      const match = values.find((candidate) => candidate === text);
      return match === undefined ? { problem: `must be one of ${values.join(', ')}` } : { value: match };
    });
  },
  hex(options: Options<string> & { bytes: number }): Variable<string> {
    return variable(options, (text) => {
      if (text.length !== options.bytes * 2 || !/^[0-9A-Fa-f]+$/.test(text)) {
        return { problem: `must be ${options.bytes * 2} hex characters` };
      }
      return { value: text.toUpperCase() };
    });
  },
  url(options: Options<string> & { protocols: readonly string[] }): Variable<string> {
    return variable(options, (text) => {
      let parsed: URL;
      try {
        parsed = new URL(text);
      } catch {
        return { problem: 'must be a URL' };
      }
      if (!options.protocols.includes(parsed.protocol)) {
        return { problem: `must use ${options.protocols.join(' or ')}` };
      }
      return { value: text };
    });
  },
  /** host:port, the form gRPC and raw TCP clients take. */
  address(options: Options<string>): Variable<string> {
    return variable(options, (text) => {
      const match = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\]):([0-9]{1,5})$/.exec(text);
      const port = match?.[2] === undefined ? 0 : Number(match[2]);
      if (match === null || port < 1 || port > 65_535) return { problem: 'must be host:port' };
      return { value: text };
    });
  },
  /** Comma-separated list; empty entries are refused. */
  list(options: Options<readonly string[]>): Variable<readonly string[]> {
    return variable(options, (text) => {
      const items = text.split(',').map((item) => item.trim());
      if (items.some((item) => item.length === 0)) return { problem: 'must be a comma-separated list' };
      return { value: items };
    });
  },
};

export type Schema = Record<string, Variable<unknown>>;
export type ConfigOf<S extends Schema> = { readonly [K in keyof S]: S[K] extends Variable<infer T> ? T : never };

const OPTIONAL_MARKER = Symbol('optional');

/** Marks a variable that may be left unset without a default (e.g. KAFKA_BROKERS). */
export function optional<T>(inner: Variable<T>): Variable<T | undefined> {
  return Object.assign({ ...inner, defaultValue: undefined }, { [OPTIONAL_MARKER]: true }) as Variable<T | undefined>;
}

function isOptional(variableSpec: Variable<unknown>): boolean {
  return (variableSpec as unknown as Record<symbol, unknown>)[OPTIONAL_MARKER] === true;
}

export function loadConfig<S extends Schema>(schema: S, source: NodeJS.ProcessEnv = process.env): ConfigOf<S> {
  const problems: string[] = [];
  const result: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(schema)) {
    const text = source[name];
    if (text === undefined || text === '') {
      if (spec.defaultValue !== undefined || isOptional(spec)) {
        result[name] = spec.defaultValue;
      } else {
        problems.push(`${name} is required (${spec.description})`);
      }
      continue;
    }
    const parsed = spec.parse(text);
    if ('problem' in parsed) {
      const shown = spec.secret ? '' : ` (got '${text.slice(0, 64)}')`;
      problems.push(`${name} ${parsed.problem}${shown}`);
    } else {
      result[name] = parsed.value;
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return result as ConfigOf<S>;
}

/** Markdown rows for the README's configuration table (name, default, description). */
export function describeSchema(schema: Schema): string[] {
  return Object.entries(schema).map(([name, spec]) => {
    const shownDefault = spec.secret
      ? '(dev default)'
      : spec.defaultValue === undefined
        ? ''
        : String(spec.defaultValue);
    return `| \`${name}\` | ${shownDefault} | ${spec.description} |`;
  });
}
