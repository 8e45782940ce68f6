import { ApiError } from '../protocol/errors.js';
import { arn, type Account } from '../protocol/arn.js';

/** Things and thing groups (the registry half of IoT Core the OTA flow needs). */

export interface Thing {
  thingName: string;
  thingArn: string;
  thingId: string;
  attributes: Record<string, string>;
  version: number;
  groups: Set<string>;
}

export interface ThingGroup {
  groupName: string;
  groupArn: string;
  groupId: string;
  description?: string;
  members: Set<string>;
}

export type MembershipEvent = { kind: 'added' | 'removed'; group: string; thing: string };

const NAME = /^[a-zA-Z0-9:_-]{1,128}$/;

export class Registry {
  readonly things = new Map<string, Thing>();
  readonly groups = new Map<string, ThingGroup>();
  private listeners: Array<(e: MembershipEvent) => void> = [];
  private seq = 0;

  constructor(private readonly account: Account) {}

  onMembership(fn: (e: MembershipEvent) => void): void {
    this.listeners.push(fn);
  }

  createThing(name: string, attributes: Record<string, string> = {}): Thing {
    if (!NAME.test(name)) {
      throw new ApiError('InvalidRequestException',
        `thingName '${name}' must be 1-128 characters of [a-zA-Z0-9:_-]`);
    }
    const existing = this.things.get(name);
    if (existing) {
      // CreateThing is idempotent for identical input, as in IoT Core.
      if (JSON.stringify(existing.attributes) === JSON.stringify(attributes)) return existing;
      throw new ApiError('ResourceAlreadyExistsException',
        `Thing ${name} already exists with different attributes`,
        { resourceId: existing.thingId, resourceArn: existing.thingArn });
    }
    const thing: Thing = {
      thingName: name,
      thingArn: arn.thing(this.account, name),
      thingId: this.id(),
      attributes,
      version: 1,
      groups: new Set(),
    };
    this.things.set(name, thing);
    return thing;
  }

  getThing(name: string): Thing {
    const t = this.things.get(name);
    if (!t) throw new ApiError('ResourceNotFoundException', `Thing ${name} cannot be found.`);
    return t;
  }

  createGroup(name: string, description?: string): ThingGroup {
    if (!NAME.test(name)) {
      throw new ApiError('InvalidRequestException',
        `thingGroupName '${name}' must be 1-128 characters of [a-zA-Z0-9:_-]`);
    }
    const existing = this.groups.get(name);
    if (existing) return existing;
    const group: ThingGroup = {
      groupName: name,
      groupArn: arn.thingGroup(this.account, name),
      groupId: this.id(),
      description,
      members: new Set(),
    };
    this.groups.set(name, group);
    return group;
  }

  getGroup(name: string): ThingGroup {
    const g = this.groups.get(name);
    if (!g) throw new ApiError('ResourceNotFoundException', `Thing group ${name} cannot be found.`);
    return g;
  }

  addToGroup(groupName: string, thingName: string): void {
    const g = this.getGroup(groupName);
    const t = this.getThing(thingName);
    if (g.members.has(thingName)) return;
    g.members.add(thingName);
    t.groups.add(groupName);
    for (const fn of this.listeners) fn({ kind: 'added', group: groupName, thing: thingName });
  }

  removeFromGroup(groupName: string, thingName: string): void {
    const g = this.getGroup(groupName);
    const t = this.getThing(thingName);
    if (!g.members.delete(thingName)) return;
    t.groups.delete(groupName);
    for (const fn of this.listeners) fn({ kind: 'removed', group: groupName, thing: thingName });
  }

  private id(): string {
    this.seq += 1;
    return `${Date.now().toString(16)}-${this.seq.toString(16).padStart(6, '0')}`;
  }
}
