/** ARN builders and parsers for the resources the local cloud owns. */
export interface Account {
  region: string;
  accountId: string;
}

export const arn = {
  thing: (a: Account, name: string) => `arn:aws:iot:${a.region}:${a.accountId}:thing/${name}`,
  thingGroup: (a: Account, name: string) =>
    `arn:aws:iot:${a.region}:${a.accountId}:thinggroup/${name}`,
  job: (a: Account, id: string) => `arn:aws:iot:${a.region}:${a.accountId}:job/${id}`,
  otaUpdate: (a: Account, id: string) => `arn:aws:iot:${a.region}:${a.accountId}:otaupdate/${id}`,
  stream: (a: Account, id: string) => `arn:aws:iot:${a.region}:${a.accountId}:stream/${id}`,
  signingJob: (a: Account, id: string) =>
    `arn:aws:signer:${a.region}:${a.accountId}:/signing-jobs/${id}`,
  signingProfile: (a: Account, name: string) =>
    `arn:aws:signer:${a.region}:${a.accountId}:/signing-profiles/${name}`,
};

export type TargetRef = { kind: 'thing' | 'thinggroup'; name: string };

/** Parses `arn:aws:iot:<region>:<acct>:thing/<name>` or `…:thinggroup/<name>`. */
export function parseTargetArn(s: string): TargetRef | undefined {
  const m = /^arn:aws[a-z-]*:iot:[^:]*:[^:]*:(thing|thinggroup)\/(.+)$/.exec(s);
  if (!m) return undefined;
  return { kind: m[1] as TargetRef['kind'], name: m[2]! };
}
