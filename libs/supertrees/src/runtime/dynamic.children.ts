import type { DynamicChildData } from '../tree/dynamic-child.js';

/**
 * The specs of a dynamic supervisor's children, kept by whoever restarts that supervisor (its
 * parent's adapter), so that a restarted supervisor can start them again: data, in order of
 * addition, keyed by id.
 */
export class DynamicSpecs {
  private readonly byId = new Map<string, DynamicChildData>();

  add(spec: DynamicChildData): void {
    this.byId.set(spec.id, spec);
  }

  remove(id: string): void {
    this.byId.delete(id);
  }

  clear(): void {
    this.byId.clear();
  }

  list(): DynamicChildData[] {
    return [...this.byId.values()];
  }

  get size(): number {
    return this.byId.size;
  }
}
