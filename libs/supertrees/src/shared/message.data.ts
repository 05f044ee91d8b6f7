/**
 * What may cross a process boundary: data, as the IPC channel carries it (JSON). A call's message
 * and reply, and a dynamic child's `args`, are checked the same way in process and across
 * processes, so a worker moved into a supervisor process does not start to fail.
 */

/** Why a value is not data, and where: `field` is a path such as `message.items[2].at` or `args.when`. */
export interface DataProblem {
  readonly field: string;
  readonly problem: string;
}

/** Deeper than this is refused: it is almost always a cycle, and it would overflow JSON's recursion anyway. */
export const MAX_DATA_DEPTH = 64;

/**
 * Checks that `value` is JSON data (null, booleans, finite numbers, strings, arrays and plain
 * objects of them; a property whose value is undefined is left out, as JSON does) whose JSON text is
 * at most about `maxBytes` long. `root` names the value in the problem's field. One walk, no serialization:
 * the size is the JSON length counting each UTF-16 unit of a string as one byte, an estimate that
 * errs low only for non-ASCII text. Returns the first problem, or undefined.
 */
export function checkData(value: unknown, maxBytes: number, root: string): DataProblem | undefined {
  // The common case, good data, costs one walk that builds no strings; only a refusal pays for the
  // walk that names the field.
  const size = sizeOf(value, 0);
  if (size >= 0 && size <= maxBytes) return undefined;
  const walk = new DataWalk(maxBytes);
  return walk.visit(value, root, 0) ? undefined : walk.problem;
}

/** Read once: the prototype of a plain object. */
const OBJECT_PROTOTYPE = Object.prototype;

/** The size {@link DataWalk} would count, or -1 for anything it would refuse but the size (a cycle shows as depth). */
function sizeOf(value: unknown, depth: number): number {
  if (typeof value !== 'object') return leafSize(value);
  if (value === null) return 4;
  if (depth >= MAX_DATA_DEPTH) return -1;
  // A plain object, most messages: its prototype read through the `__proto__` accessor, which V8
  // inlines, where `Object.getPrototypeOf` stays a call of its own (about 120 instructions of a
  // 300-instruction check of a three-field message, by callgrind). A property named "__proto__" (own,
  // or a getter on a class's prototype) could answer in the accessor's place: `constructor` must be
  // `Object` too (a class instance's is its class), an own enumerable "__proto__" key is refused by
  // objectSize, and the walk that names the problem decides with `Object.getPrototypeOf`. Only an
  // object built to lie on both counts (a "__proto__" and a "constructor" of its own that are not
  // enumerable) passes for plain here.
  const plain = value as { __proto__?: unknown; constructor?: unknown };
  if (plain.__proto__ === OBJECT_PROTOTYPE && plain.constructor === Object) return objectSize(value, depth);
  if (Array.isArray(value)) {
    let size = 2;
    for (let i = 0; i < value.length; i++) {
      const item = fieldSize(value[i], depth + 1);
      if (item < 0) return -1;
      size += item;
    }
    return size;
  }
  return Object.getPrototypeOf(value) === null ? objectSize(value, depth) : -1;
}

/** The size of a plain object (or one without a prototype), -1 for what {@link DataWalk} would refuse but the size, or must decide itself. */
function objectSize(value: object, depth: number): number {
  let size = 2;
  for (const key in value) {
    const field = (value as Record<string, unknown>)[key];
    if (field === undefined) continue;
    const item = fieldSize(field, depth + 1);
    if (item < 0 || key === '__proto__') return -1;
    size += key.length + 3 + item;
  }
  return size;
}

/** A field's size: a string or a number (most fields) without a call, anything else by {@link sizeOf}. */
function fieldSize(field: unknown, depth: number): number {
  if (typeof field === 'string') return field.length + 2;
  if (typeof field === 'number') return field - field === 0 ? 8 : -1;
  return sizeOf(field, depth);
}

/** The size of a value that is not an object (or null): -1 for what JSON would not carry as it is. */
function leafSize(value: unknown): number {
  if (typeof value === 'string') return value.length + 2;
  if (typeof value === 'number') return value - value === 0 ? 8 : -1;
  if (typeof value === 'boolean') return 5;
  return -1;
}

class DataWalk {
  size = 0;
  problem?: DataProblem;
  private readonly ancestors: object[] = [];

  constructor(private readonly maxBytes: number) {}

  visit(value: unknown, field: string, depth: number): boolean {
    switch (typeof value) {
      case 'string':
        return this.grow(value.length + 2, field);
      case 'number':
        return Number.isFinite(value) ? this.grow(8, field) : this.fail(field, `${value} is not a finite number`);
      case 'boolean':
        return this.grow(5, field);
      case 'object':
        if (value === null) return this.grow(4, field);
        return this.visitObject(value, field, depth);
      default:
        return this.fail(field, `${value === undefined ? 'undefined' : `a ${typeof value}`} is not data`);
    }
  }

  private visitObject(value: object, field: string, depth: number): boolean {
    if (depth >= MAX_DATA_DEPTH) return this.fail(field, `is nested deeper than ${MAX_DATA_DEPTH} levels`);
    if (this.ancestors.includes(value)) return this.fail(field, 'refers back to an object that contains it (a cycle)');
    this.ancestors.push(value);
    try {
      if (Array.isArray(value)) {
        if (!this.grow(2, field)) return false;
        for (let i = 0; i < value.length; i++) {
          if (!this.visit(value[i], `${field}[${i}]`, depth + 1)) return false;
        }
        return true;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) {
        const name = (value as { constructor?: { name?: string } }).constructor?.name ?? 'an object with a prototype';
        return this.fail(field, `a ${name} is not data; send a plain object, array, string, number, boolean or null`);
      }
      if (!this.grow(2, field)) return false;
      for (const key in value) {
        const item = (value as Record<string, unknown>)[key];
        // Left out, as JSON leaves it out: an optional field that is not set.
        if (item === undefined) continue;
        if (!this.grow(key.length + 3, field)) return false;
        if (!this.visit(item, `${field}.${key}`, depth + 1)) return false;
      }
      return true;
    } finally {
      this.ancestors.pop();
    }
  }

  private grow(bytes: number, field: string): boolean {
    this.size += bytes;
    if (this.size <= this.maxBytes) return true;
    return this.fail(field, `makes it larger than ${this.maxBytes} bytes`);
  }

  private fail(field: string, problem: string): false {
    this.problem = { field, problem };
    return false;
  }
}
